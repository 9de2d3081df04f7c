import type { CountSignature } from '../../signatures/observations.js';
import { unknownWindow } from '../posterior.js';

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

/** Likelihood an observation outside the unknown window keeps, relative to one inside (as in the posterior). */
export const OUTSIDE_WINDOW = 0.1;

/** The `unknown` likelihood of one set, from the smallest and largest prediction of each request. */
export function unknownLikelihood(
  signature: CountSignature,
  lowest: ArrayLike<number>,
  highest: ArrayLike<number>,
): number {
  const base = signature.packs.findIndex((pack) => pack.length === 0);
  let likelihood = 1;
  signature.packs.forEach((pack, k) => {
    if (pack.length === 0 || base < 0) return;
    const { lo, hi } = unknownWindow([lowest[k], highest[k]]);
    const relative = signature.observed[k] - signature.observed[base];
    const width = hi - lo + 1;
    likelihood *= relative >= lo && relative <= hi ? 1 / width : OUTSIDE_WINDOW / width;
  });
  return likelihood;
}
