import { packTotal, type CountSignature } from '../signatures/observations.js';
import type { SignatureGroup } from './hypotheses.js';
import { PRIOR } from './hypotheses.js';
import { coreTotals } from './own-core.js';
import { groupLikelihoods } from './likelihood.js';
import { unknownLikelihood } from './open-set.js';

export { unknownWindow } from './open-set.js';

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
  const M = groups.length;
  const totals = new Float64Array(requests * M);
  groups.forEach((group, m) =>
    signature.packs.forEach((pack, k) => {
      totals[k * M + m] = packTotal(group.counts, pack);
    }),
  );
  const likelihoods = groupLikelihoods(
    signature,
    totals,
    M,
    groups.map((_, m) => m),
    coreTotals(signature, groups, totals),
  );

  const scored = groups.map((group, m) => {
    const predicted = signature.packs.map((_, k) => totals[k * M + m]);
    const offset = likelihoods.offset[m];
    const share = group.weight;
    return {
      group,
      predicted,
      offset,
      deviations: signature.observed.map((y, k) => y - predicted[k] - offset),
      match: PRIOR.match * share * likelihoods.match[m],
      derived: PRIOR.derived * share * likelihoods.derived[m],
    };
  });

  const lowest = signature.packs.map((_, k) => Math.min(...scored.map((s) => s.predicted[k])));
  const highest = signature.packs.map((_, k) => Math.max(...scored.map((s) => s.predicted[k])));
  const unknownL = unknownLikelihood(signature, lowest, highest, totals, groups);
  const unknown = PRIOR.unknown * unknownL;
  const total = scored.reduce((sum, s) => sum + s.match + s.derived, unknown) || 1;
  return {
    groups: scored.map((s) => ({ ...s, match: s.match / total, derived: s.derived / total })),
    unknown: unknown / total,
  };
}
