import type { CountSignature } from '../../signatures/observations.js';
import { PRIOR, type SignatureGroup } from '../hypotheses.js';
import type { Posterior } from '../posterior.js';
import { unknownLikelihood } from '../open-set.js';
import { cachedCountMatrix, matrixPackTotals } from './count-matrix.js';
import { GroupBounds } from './group-bounds.js';
import { groupClusters } from './group-clusters.js';
import { groupLikelihoods } from '../likelihood.js';
import { kernelPosterior } from './posterior-kernel.js';

export { OFFSET_REACH } from './tail-bounds.js';
export { scoreBounds } from './group-bounds.js';

/**
 * The share of the full normalisation the groups left out may hold at most: every kept group's share
 * is within a millionth (relative) of the exact one, far below the three digits a posterior is shown
 * with, and what is left out could not move a verdict's confidence by more.
 */
export const TOLERANCE = 1e-6;

/**
 * The same for planning: once a leader holds nearly all the mass, the next request is chosen by how the
 * little that is left is spread, so groups a millionth of the whole can still decide it.
 */
export const PLANNING_TOLERANCE = 1e-9;

/** Groups scored exactly first, so the cut is measured against a real total. */
const SEEDS = 8;

/** A posterior over the groups that can matter; each kept group's share is within `omittedMass` (relative) of the full one. */
export interface PrunedPosterior extends Posterior {
  /** Indexes (into the group list scored) of `groups`, ascending. */
  kept: number[];
  /** Upper bound on the posterior mass of the groups left out, as a share of the kept normalisation. */
  omittedMass: number;
}

/** Predicted pack totals of every group, pack-major: entry k * M + m (from the group list's probe-major count matrix). */
export function packTotalsJs(signature: CountSignature, groups: readonly SignatureGroup[]): Float64Array {
  return matrixPackTotals(signature, cachedCountMatrix(groups));
}

/** Groups whose bounds together stay within `budget`, found by binary exponent buckets (linear time). */
export function omittable(bounds: Float64Array, budget: number): Uint8Array {
  // Bucket b holds bounds in [2^(b + LOW - 1), 2^(b + LOW)); bucket 0 holds zeros and bounds below 2^LOW.
  const LOW = -1100;
  const HIGH = 1100;
  const bucket = new Int16Array(bounds.length);
  const sums = new Float64Array(HIGH - LOW + 2);
  for (let m = 0; m < bounds.length; m++) {
    const b = bounds[m];
    const k = b > 0 ? Math.min(HIGH, Math.max(LOW, Math.floor(Math.log2(b)))) - LOW + 1 : 0;
    bucket[m] = k;
    sums[k] += b;
  }
  let cut = -1;
  let total = 0;
  for (let k = 0; k < sums.length; k++) {
    if (sums[k] === 0 && k > 0) continue;
    if (total + sums[k] > budget) break;
    total += sums[k];
    cut = k;
  }
  const out = new Uint8Array(bounds.length);
  for (let m = 0; m < bounds.length; m++) out[m] = bucket[m] <= cut ? 1 : 0;
  return out;
}

/**
 * Two-stage count posterior of one observation set: bounds from the groups' pack totals, then the
 * posterior's own arithmetic (posterior-kernel) on the groups whose bounds can still matter, with the
 * `unknown` window of the full index. Clusters of close groups are bounded as one first; a cluster whose
 * bound is too large to leave out is bounded member by member.
 */
export function prunedPosterior(
  signature: CountSignature,
  groups: readonly SignatureGroup[],
  totals: ArrayLike<number>,
  tolerance = TOLERANCE,
): PrunedPosterior {
  const M = groups.length;
  const K = signature.packs.length;
  const extreme = new Uint8Array(M);
  const lowest = new Float64Array(K).fill(Infinity);
  const highest = new Float64Array(K).fill(-Infinity);
  for (let k = 0; k < K; k++) {
    let lo = 0;
    let hi = 0;
    for (let m = 0; m < M; m++) {
      const p = totals[k * M + m];
      if (p < totals[k * M + lo]) lo = m;
      if (p > totals[k * M + hi]) hi = m;
    }
    if (M > 0) {
      lowest[k] = totals[k * M + lo];
      highest[k] = totals[k * M + hi];
      if (signature.packs[k].length > 0) extreme[lo] = extreme[hi] = 1;
    }
  }
  const unknownScore = PRIOR.unknown * unknownLikelihood(signature, lowest, highest, totals, groups);

  const bounder = new GroupBounds(signature, groups, totals);
  const clusters = groupClusters(groups);
  const C = clusters.weight.length;
  const { members, starts } = clusters;
  const bounds = new Float64Array(M);
  // Singletons are bounded as groups (in one batch); larger clusters as one first.
  const singles: number[] = [];
  for (let c = 0; c < C; c++) if (starts[c + 1] - starts[c] === 1) singles.push(members[starts[c]]);
  bounder.bound(singles, bounds);
  const clusterBounds = Float64Array.from({ length: C }, (_, c) =>
    starts[c + 1] - starts[c] === 1 ? bounds[members[starts[c]]] : bounder.cluster(clusters, c),
  );
  const order = Array.from({ length: C }, (_, c) => c).sort((a, b) => clusterBounds[b] - clusterBounds[a]);
  const after = new Float64Array(C + 1);
  for (let i = C - 1; i >= 0; i--) after[i] = after[i + 1] + clusterBounds[order[i]];

  // A lower bound on the full total, raised as clusters open: exact scores of groups bounded high.
  const keep = new Uint8Array(M);
  let seeded = unknownScore;
  const seed = (list: number[]) => {
    const fresh = list.filter((m) => !keep[m]);
    if (fresh.length === 0) return;
    const exact = groupLikelihoods(signature, totals, M, fresh);
    fresh.forEach((m, g) => {
      keep[m] = 1;
      seeded += groups[m].weight * (PRIOR.match * exact.match[g] + PRIOR.derived * exact.derived[g]);
    });
  };
  seed(indexesOf(extreme));
  // Clusters open from the highest bound down until the rest fit half the budget; those are left out whole.
  const candidates: number[] = [];
  let opened = 0;
  for (; opened < C && after[opened] > (tolerance * seeded) / 2; opened++) {
    const c = order[opened];
    const list = Array.from(members.subarray(starts[c], starts[c + 1]));
    if (list.length > 1) bounder.bound(list, bounds);
    candidates.push(...list);
    const budget = tolerance * seeded;
    seed(
      list
        .filter((m) => bounds[m] > budget)
        .sort((a, b) => bounds[b] - bounds[a])
        .slice(0, SEEDS),
    );
  }
  // Seeds (the extremes among them) are scored whatever their cluster; a cluster left out counts its whole bound.
  let omitted = after[opened];
  const drop = omittable(
    Float64Array.from(candidates, (m) => bounds[m]),
    tolerance * seeded - omitted,
  );
  candidates.forEach((m, i) => {
    if (!drop[i]) keep[m] = 1;
    else if (!keep[m]) omitted += bounds[m];
  });
  const kept = indexesOf(keep);
  const { groups: scores, unknown, total } = kernelPosterior(signature, groups, totals, kept, unknownScore);
  return { groups: scores, unknown, kept, omittedMass: omitted / total };
}

function indexesOf(marks: Uint8Array): number[] {
  const out: number[] = [];
  for (let m = 0; m < marks.length; m++) if (marks[m]) out.push(m);
  return out;
}
