import { packTotal, type CountSignature } from '../../signatures/observations.js';
import type { SignatureGroup } from '../hypotheses.js';
import { PRIOR } from '../hypotheses.js';
import { unknownWindow, type Posterior } from '../posterior.js';

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

/**
 * Priors, group shares and normalisation for set n, from the offset-summed likelihoods held in
 * `scores.match` / `scores.derived` (overwritten with posteriors), summing in the posterior's order.
 */
export function normaliseSet(
  scores: BatchScores,
  n: number,
  _signature: CountSignature,
  groups: readonly SignatureGroup[],
  unknownL: number,
): void {
  const M = scores.groups;
  const unknown = PRIOR.unknown * unknownL;
  let total = unknown;
  for (let m = 0; m < M; m++) {
    const i = n * M + m;
    const share = groups[m].weight;
    const matchL = scores.match[i];
    const match = PRIOR.match * share * matchL;
    const derived = PRIOR.derived * share * scores.derived[i];
    scores.match[i] = match;
    scores.derived[i] = derived;
    total = total + match + derived;
  }
  total ||= 1;
  for (let m = 0; m < M; m++) {
    scores.match[n * M + m] /= total;
    scores.derived[n * M + m] /= total;
  }
  scores.unknown[n] = unknown / total;
}

/** Groups of set n best first, as `rankedGroups` orders them (stable, so ties keep index order). */
export function ranking(scores: BatchScores, n: number): number[] {
  const M = scores.groups;
  const key = (m: number) => scores.match[n * M + m] + scores.derived[n * M + m];
  return Array.from({ length: M }, (_, m) => m).sort((a, b) => key(b) - key(a));
}

/** The full posterior of one set, in the shape `posterior` returns. */
export function posteriorOf(
  scores: BatchScores,
  n: number,
  signature: CountSignature,
  groups: readonly SignatureGroup[],
): Posterior {
  const M = scores.groups;
  return {
    groups: groups.map((group, m) => {
      const predicted = signature.packs.map((pack) => packTotal(group.counts, pack));
      const offset = scores.offset[n * M + m];
      return {
        group,
        predicted,
        offset,
        deviations: signature.observed.map((y, k) => y - predicted[k] - offset),
        match: scores.match[n * M + m],
        derived: scores.derived[n * M + m],
      };
    }),
    unknown: scores.unknown[n],
  };
}
