import type { CountSignature } from '../../signatures/observations.js';
import { nearIndexedDensity, unknownPackLikelihood } from '../open-set.js';

/** The count posterior of N observation sets over M groups, flat: entry n * M + m. */
export interface BatchScores {
  sets: number;
  groups: number;
  match: Float64Array;
  derived: Float64Array;
  unknown: Float64Array;
  /** The constant that best explains set n under group m. */
  offset: Float64Array;
}

export function emptyScores(sets: number, groups: number): BatchScores {
  return {
    sets,
    groups,
    match: new Float64Array(sets * groups),
    derived: new Float64Array(sets * groups),
    unknown: new Float64Array(sets),
    offset: new Float64Array(sets * groups),
  };
}

/**
 * The `unknown` likelihood of one set, from the smallest and largest prediction of each request and every group's
 * prediction (`totals`, pack-major k * M + m), each group weighing its prior weight.
 */
export function unknownLikelihood(
  signature: CountSignature,
  lowest: ArrayLike<number>,
  highest: ArrayLike<number>,
  totals: ArrayLike<number>,
  groups: readonly { weight: number }[],
): number {
  const weights = groups.map((g) => g.weight);
  const M = weights.length;
  const base = signature.packs.findIndex((pack) => pack.length === 0);
  let likelihood = 1;
  signature.packs.forEach((pack, k) => {
    if (pack.length === 0 || base < 0) return;
    const relative = signature.observed[k] - signature.observed[base];
    likelihood *= unknownPackLikelihood(
      relative,
      lowest[k],
      highest[k],
      nearIndexedDensity(relative, totals, weights, k * M),
    );
  });
  return likelihood;
}
