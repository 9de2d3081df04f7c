import type { CountSignature } from '../../signatures/observations.js';
import { PRIOR, type SignatureGroup } from '../hypotheses.js';
import { coreTotals } from '../own-core.js';
import { groupLikelihoods } from '../likelihood.js';
import type { GroupScore } from '../posterior.js';

/**
 * The live posterior's normalisation over the scored groups, given the `unknown` score (prior times
 * likelihood) the caller computed over the full index. Returns the groups in `scored` order.
 */
export function kernelPosterior(
  signature: CountSignature,
  groups: readonly SignatureGroup[],
  totals: ArrayLike<number>,
  scored: readonly number[],
  unknownScore: number,
) {
  const M = groups.length;
  const K = signature.packs.length;
  const likelihoods = groupLikelihoods(signature, totals, M, scored, coreTotals(signature, groups, totals));
  const match = new Float64Array(scored.length);
  const derivedScore = new Float64Array(scored.length);
  let total = unknownScore;
  for (let g = 0; g < scored.length; g++) {
    const share = groups[scored[g]].weight;
    const matchL = likelihoods.match[g];
    match[g] = PRIOR.match * share * matchL;
    derivedScore[g] = PRIOR.derived * share * likelihoods.derived[g];
    total = total + match[g] + derivedScore[g];
  }
  total ||= 1;
  const scores: GroupScore[] = new Array(scored.length);
  for (let g = 0; g < scored.length; g++) {
    const m = scored[g];
    const offset = likelihoods.offset[g];
    const predicted = new Array<number>(K);
    const deviations = new Array<number>(K);
    for (let k = 0; k < K; k++) {
      predicted[k] = totals[k * M + m];
      deviations[k] = signature.observed[k] - predicted[k] - offset;
    }
    scores[g] = {
      group: groups[m],
      predicted,
      offset,
      deviations,
      match: match[g] / total,
      derived: derivedScore[g] / total,
    };
  }
  return { groups: scores, unknown: unknownScore / total, total };
}
