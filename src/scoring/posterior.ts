import { packTotal, type CountSignature } from '../signatures/observations.js';
import type { SignatureGroup } from './hypotheses.js';
import { PRIOR } from './hypotheses.js';
import { seamNoise } from './noise.js';

/** For a derived tokenizer: the chance that a pack holds no probe its changes touch, when requests carry no kind. */
export const UNTOUCHED_PACK = 0.2;
/**
 * The same chance by kind of request: a pack drawn from one stratum usually misses a change made to one
 * part of a vocabulary; the pack built to test the leader's vocabulary edges rarely does.
 */
export const UNTOUCHED_BY_KIND = { stratum: 0.7, edge: 0.1 };
/**
 * A touched pack of a derived tokenizer strays by a few tokens (pruned rare merges, a few added words hit)
 * or by a large share of the pack (a changed pre-tokenizer), each about as likely.
 */
export const DERIVED_SCALES = { small: 0.03, large: 0.25, floor: 3 };

/**
 * Which way a derived tokenizer's changes move counts: pruning merges or splitting digits and punctuation
 * only adds tokens, an extension only removes them, both together either way.
 */
export const DERIVED_DIRECTIONS = [
  { sign: 1, weight: 0.4 },
  { sign: -1, weight: 0.4 },
  { sign: 0, weight: 0.2 },
] as const;

/** A touched pack strays by one or two tokens with this chance each: such small moves are mostly seam noise. */
export const NEAR_MOVE = 0.01;

/** One-sided: a move of e >= 1 tokens in the change's direction, geometric with the given scale from three tokens on. */
function oneSided(e: number, scale: number): number {
  if (e < 1) return 0;
  if (e < 3) return NEAR_MOVE;
  const q = Math.exp(-1 / Math.max(scale, 0.5));
  return (1 - 2 * NEAR_MOVE) * (1 - q) * q ** (e - 3);
}

function geometric(error: number, scale: number, sign: number): number {
  if (sign === 0) return 0.5 * (oneSided(error, scale) + oneSided(-error, scale));
  return oneSided(error * sign, scale);
}

/** A touched pack's factor under a derived tokenizer: untouched and exact, or moved in the change's direction. */
export function derivedFactor(error: number, predicted: number, untouched: number, sign: number): number {
  return untouched * seamNoise(error) + (1 - untouched) * movedNoise(error, predicted, sign);
}

/** Likelihood of a touched pack straying by `error` tokens, given its predicted size and the direction of the change. */
export function movedNoise(error: number, predicted: number, sign = 0): number {
  const { small, large, floor } = DERIVED_SCALES;
  return (
    0.5 * geometric(error, Math.max(floor, small * predicted), sign) +
    0.5 * geometric(error, Math.max(floor, large * predicted), sign)
  );
}

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
 * What the counts say when they cannot be read: nothing beyond the prior. Each group keeps its predictions
 * for the requests sent, for the reports, with no deviation scored.
 */
export function priorPosterior(signature: CountSignature, groups: readonly SignatureGroup[]): Posterior {
  const scored = groups.map((group) => {
    const predicted = signature.packs.map((pack) => packTotal(group.counts, pack));
    return {
      group,
      predicted,
      offset: 0,
      deviations: predicted.map(() => 0),
      match: PRIOR.match * group.weight,
      derived: PRIOR.derived * group.weight,
    };
  });
  const total = scored.reduce((sum, s) => sum + s.match + s.derived, PRIOR.unknown);
  return {
    groups: scored.map((s) => ({ ...s, match: s.match / total, derived: s.derived / total })),
    unknown: PRIOR.unknown / total,
  };
}

/**
 * Likelihood of the billed counts under each hypothesis, with the constant summed out over its
 * plausible values (flat prior), then normalised into a posterior together with `unknown`.
 */
export function posterior(signature: CountSignature, groups: readonly SignatureGroup[]): Posterior {
  const requests = signature.observed.length;
  const touchable = signature.packs.map((pack) => pack.length > 0);
  const untouched = signature.packs.map((_, k) => signature.untouched?.[k] ?? UNTOUCHED_PACK);

  const scored = groups.map((group) => {
    const predicted = signature.packs.map((pack) => packTotal(group.counts, pack));
    const residuals = signature.observed.map((y, k) => y - predicted[k]);
    let matchL = 0;
    let derivedL = 0;
    let best = { offset: residuals[0] ?? 0, likelihood: -1 };
    for (const offset of candidateOffsets(residuals)) {
      let m = 1;
      const d = DERIVED_DIRECTIONS.map(() => 1);
      for (let k = 0; k < requests; k++) {
        const e = residuals[k] - offset;
        const exact = seamNoise(e);
        m *= exact;
        DERIVED_DIRECTIONS.forEach(({ sign }, j) => {
          d[j] *= touchable[k] ? derivedFactor(e, predicted[k], untouched[k], sign) : exact;
        });
      }
      matchL += m;
      derivedL += DERIVED_DIRECTIONS.reduce((sum, { weight }, j) => sum + weight * d[j], 0);
      if (m > best.likelihood) best = { offset, likelihood: m };
    }
    const share = group.weight;
    return {
      group,
      predicted,
      offset: best.offset,
      deviations: residuals.map((r) => r - best.offset),
      match: PRIOR.match * share * matchL,
      derived: PRIOR.derived * share * derivedL,
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
