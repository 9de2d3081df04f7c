import type { CountSignature } from '../../signatures/observations.js';
import { PRIOR, type SignatureGroup } from '../hypotheses.js';
import { posterior, UNTOUCHED_PACK, type Posterior } from '../posterior.js';
import { unknownLikelihood } from './batch-scores.js';
import { DerivedTable, SEAM, derivedEnvelope as derivedEnvelopeAt } from './envelope.js';

/** The share of the full normalisation the groups left out may hold at most. */
export const TOLERANCE = 1e-9;

/** The offsets the posterior sums over per request: each residual give or take this many. */
export const OFFSET_REACH = 3;

/** Groups scored exactly first, so the cut is measured against a real total. */
const SEEDS = 8;

/** A posterior over the groups that can matter; each kept group's share is within `omittedMass` (relative) of the full one. */
export interface PrunedPosterior extends Posterior {
  /** Indexes (into the group list scored) of `groups`, ascending. */
  kept: number[];
  /** Upper bound on the posterior mass of the groups left out, as a share of the kept normalisation. */
  omittedMass: number;
}

/** Predicted pack totals of every group, pack-major: entry k * M + m. */
export function packTotalsJs(signature: CountSignature, groups: readonly SignatureGroup[]): Float64Array {
  const M = groups.length;
  const packs = signature.packs.map((pack) => Int32Array.from(pack));
  const out = new Float64Array(packs.length * M);
  for (let m = 0; m < M; m++) {
    const counts = groups[m].counts;
    for (let k = 0; k < packs.length; k++) {
      const pack = packs[k];
      let total = 0;
      for (let i = 0; i < pack.length; i++) total += counts[pack[i]];
      out[k * M + m] = total;
    }
  }
  return out;
}

const table = new DerivedTable();

/**
 * Upper bound on each group's unnormalised match + derived score (PRIOR x weight x likelihood), from
 * its predicted totals. Per pack the factor is at most exp(atZero) at error 0 and exp(lead + |e| slope)
 * elsewhere; the product's envelope over the offset c is concave between residuals with spikes at them,
 * so its maximum over every c is at some c = r_j, and the sum over at most 7K candidates is at most
 * 7K times that maximum. The derived term is also divided by the chance some pack is untouched, so the
 * bound holds whether or not the posterior conditions on it.
 */
export function scoreBounds(signature: CountSignature, groups: readonly SignatureGroup[], totals: ArrayLike<number>): Float64Array {
  const M = groups.length;
  const K = signature.packs.length;
  const touchable = signature.packs.map((pack) => pack.length > 0);
  const touched = touchable.filter(Boolean).length;
  const fitsSomewhere = touched > 0 ? 1 - Math.pow(1 - UNTOUCHED_PACK, touched) : 1;
  const candidates = (2 * OFFSET_REACH + 1) * K;
  const matchScale = PRIOR.match * candidates;
  const derivedScale = (PRIOR.derived * candidates) / fitsSomewhere;
  let maxTotal = 0;
  for (let i = 0; i < K * M; i++) if (totals[i] > maxTotal) maxTotal = totals[i];
  table.ensure(Math.ceil(maxTotal));
  const residual = new Float64Array(K);
  const dZero = new Float64Array(K);
  const dLead = new Float64Array(K);
  const dSlope = new Float64Array(K);
  const bounds = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      const p = totals[k * M + m];
      residual[k] = signature.observed[k] - p;
      if (touchable[k] && Number.isInteger(p) && p >= 0) {
        dZero[k] = table.atZero[p];
        dLead[k] = table.lead[p];
        dSlope[k] = table.slope[p];
      } else if (touchable[k]) {
        const e = derivedEnvelopeAt(p);
        dZero[k] = e.atZero;
        dLead[k] = e.lead;
        dSlope[k] = e.slope;
      } else {
        dZero[k] = SEAM.atZero;
        dLead[k] = SEAM.lead;
        dSlope[k] = SEAM.slope;
      }
    }
    let bestMatch = -Infinity;
    let bestDerived = -Infinity;
    for (let j = 0; j < K; j++) {
      const c = residual[j];
      let lm = 0;
      let ld = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.abs(residual[k] - c);
        if (e === 0) {
          lm += Math.max(SEAM.atZero, SEAM.lead);
          ld += Math.max(dZero[k], dLead[k]);
        } else {
          lm += SEAM.lead + e * SEAM.slope;
          ld += dLead[k] + e * dSlope[k];
        }
      }
      if (lm > bestMatch) bestMatch = lm;
      if (ld > bestDerived) bestDerived = ld;
    }
    bounds[m] = groups[m].weight * (matchScale * Math.exp(bestMatch) + derivedScale * Math.exp(bestDerived));
  }
  return bounds;
}

/** Groups whose bounds together stay within `budget`, found by binary exponent buckets (linear time). */
export function omittable(bounds: Float64Array, budget: number): Uint8Array {
  const LOW = -1100;
  const bucketOf = (b: number) => (b > 0 ? Math.max(LOW, Math.floor(Math.log2(b))) : LOW - 1);
  const sums = new Map<number, number>();
  for (const b of bounds) {
    const k = bucketOf(b);
    sums.set(k, (sums.get(k) ?? 0) + b);
  }
  let cut = LOW - 2;
  let total = 0;
  for (const k of [...sums.keys()].sort((a, b) => a - b)) {
    if (total + sums.get(k)! > budget) break;
    total += sums.get(k)!;
    cut = k;
  }
  const out = new Uint8Array(bounds.length);
  for (let m = 0; m < bounds.length; m++) out[m] = bucketOf(bounds[m]) <= cut ? 1 : 0;
  return out;
}

/** The live posterior over a subset of groups, with the total it was normalised by. */
function exactOn(signature: CountSignature, groups: readonly SignatureGroup[], kept: number[], unknownScore: number) {
  const post = posterior(signature, kept.map((m) => groups[m]));
  return { post, total: unknownScore / post.unknown };
}

/**
 * Two-stage count posterior of one observation set: bounds for every group from its pack totals, then
 * the live `posterior` on the groups whose bounds can still matter, plus each pack's lowest and
 * highest predicting group so the `unknown` window is the full one.
 */
export function prunedPosterior(signature: CountSignature, groups: readonly SignatureGroup[], totals: ArrayLike<number>, tolerance = TOLERANCE): PrunedPosterior {
  const M = groups.length;
  const K = signature.packs.length;
  const bounds = scoreBounds(signature, groups, totals);
  const extremes = new Set<number>();
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
      if (signature.packs[k].length > 0) extremes.add(lo).add(hi);
    }
  }
  const unknownScore = PRIOR.unknown * unknownLikelihood(signature, lowest, highest);
  // A lower bound on the full total: the exact scores of the few groups bounded highest.
  const seeds = topIndexes(bounds, SEEDS);
  const seeded = exactOn(signature, groups, [...new Set([...seeds, ...extremes])].sort((a, b) => a - b), unknownScore);
  const drop = omittable(bounds, tolerance * seeded.total);
  const kept: number[] = [];
  let omitted = 0;
  for (let m = 0; m < M; m++) {
    if (!drop[m] || extremes.has(m)) kept.push(m);
    else omitted += bounds[m];
  }
  const { post, total } = exactOn(signature, groups, kept, unknownScore);
  return { ...post, kept, omittedMass: omitted / total };
}

function topIndexes(values: Float64Array, count: number): number[] {
  const top: number[] = [];
  for (let m = 0; m < values.length; m++) {
    if (top.length < count) top.push(m);
    else if (values[m] > values[top[top.length - 1]]) top[top.length - 1] = m;
    else continue;
    top.sort((a, b) => values[b] - values[a]);
  }
  return top;
}
