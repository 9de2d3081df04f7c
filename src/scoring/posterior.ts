import { packTotal, type CountSignature } from '../signatures/observations.js';
import type { SignatureGroup } from './hypotheses.js';
import { PRIOR } from './hypotheses.js';
import { seamNoise, twoSidedGeometric } from './noise.js';

/** For a derived tokenizer: the chance that a pack holds no probe its changes touch. */
export const UNTOUCHED_PACK = 0.2;
/** How far a touched pack strays, as a share of its predicted size. */
export const DERIVED_SCALE = 0.1;

export interface GroupScore {
  group: SignatureGroup;
  /** Predicted count of each request relative to the bare frame. */
  predicted: number[];
  /** The constant that best explains the observations under this group, and the deviations it leaves. */
  offset: number;
  deviations: number[];
  match: number;
  derived: number;
}

export interface Posterior {
  groups: GroupScore[];
  unknown: number;
}

/**
 * Where an unindexed tokenizer's count for a pack may fall, judged from the indexed ones: from half the
 * smallest prediction to twice the largest (byte-level fallbacks can double a count).
 */
export function unknownWindow(predictions: readonly number[]): { lo: number; hi: number } {
  return { lo: Math.floor(0.5 * Math.min(...predictions)), hi: Math.ceil(2 * Math.max(...predictions)) + 10 };
}

function candidateOffsets(residuals: readonly number[]): number[] {
  const set = new Set<number>();
  for (const r of residuals) for (let j = -3; j <= 3; j++) set.add(r + j);
  return [...set];
}

/**
 * Likelihood of the billed counts under each hypothesis, with the constant summed out over its
 * plausible values (flat prior), then normalised into a posterior together with `unknown`.
 */
export function posterior(signature: CountSignature, groups: readonly SignatureGroup[]): Posterior {
  const requests = signature.observed.length;
  const touchable = signature.packs.map((pack) => pack.length > 0);
  const touchableCount = touchable.filter(Boolean).length;

  const scored = groups.map((group) => {
    const predicted = signature.packs.map((pack) => packTotal(group.counts, pack));
    const residuals = signature.observed.map((y, k) => y - predicted[k]);
    let matchL = 0;
    let derivedL = 0;
    let allTouched = 0;
    let best = { offset: residuals[0] ?? 0, likelihood: -1 };
    for (const offset of candidateOffsets(residuals)) {
      let m = 1;
      let d = 1;
      let a = 1;
      for (let k = 0; k < requests; k++) {
        const e = residuals[k] - offset;
        const exact = seamNoise(e);
        m *= exact;
        if (touchable[k]) {
          const moved = twoSidedGeometric(e, Math.max(3, DERIVED_SCALE * predicted[k]));
          d *= UNTOUCHED_PACK * exact + (1 - UNTOUCHED_PACK) * moved;
          a *= (1 - UNTOUCHED_PACK) * moved;
        } else {
          d *= exact;
          a *= exact;
        }
      }
      matchL += m;
      derivedL += d - a;
      if (m > best.likelihood) best = { offset, likelihood: m };
    }
    // "Derived" means some pack still fits the base exactly; the all-packs-moved case is not derived.
    const fitsSomewhere = touchableCount > 0 ? 1 - Math.pow(1 - UNTOUCHED_PACK, touchableCount) : 1;
    const share = group.weight;
    return {
      group,
      predicted,
      offset: best.offset,
      deviations: residuals.map((r) => r - best.offset),
      match: PRIOR.match * share * matchL,
      derived: PRIOR.derived * share * (touchableCount > 0 ? Math.max(0, derivedL) / fitsSomewhere : matchL),
    };
  });

  let unknownL = 1;
  const base = signature.packs.findIndex((pack) => pack.length === 0);
  for (let k = 0; k < requests; k++) {
    if (!touchable[k] || base < 0) continue;
    const all = scored.map((s) => s.predicted[k]);
    const { lo, hi } = unknownWindow(all);
    const relative = signature.observed[k] - signature.observed[base];
    const width = hi - lo + 1;
    unknownL *= relative >= lo && relative <= hi ? 1 / width : 0.1 / width;
  }
  const unknown = PRIOR.unknown * unknownL;
  const total = scored.reduce((sum, s) => sum + s.match + s.derived, unknown) || 1;
  return {
    groups: scored.map((s) => ({ ...s, match: s.match / total, derived: s.derived / total })),
    unknown: unknown / total,
  };
}
