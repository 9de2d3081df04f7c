import type { CountSignature } from '../../signatures/observations.js';
import { PRIOR, type SignatureGroup } from '../hypotheses.js';
import { DERIVED_DIRECTIONS, UNTOUCHED_PACK, type Posterior } from '../posterior.js';
import { unknownLikelihood } from './batch-scores.js';
import { cachedCountMatrix, matrixPackTotals } from './count-matrix.js';
import { DerivedTable, SEAM, derivedEnvelope as derivedEnvelopeAt } from './envelope.js';
import { kernelPosterior } from './posterior-kernel.js';

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

/** Predicted pack totals of every group, pack-major: entry k * M + m (from the group list's probe-major count matrix). */
export function packTotalsJs(signature: CountSignature, groups: readonly SignatureGroup[]): Float64Array {
  return matrixPackTotals(signature, cachedCountMatrix(groups));
}

const table = new DerivedTable();

/**
 * Upper bound on each group's unnormalised match + derived score (PRIOR x weight x likelihood), from
 * its predicted totals. Per pack the factor is at most exp(atZero) at error 0 and exp(lead + |e| slope)
 * elsewhere; the product's envelope over the offset c is concave between residuals with spikes at them,
 * so its maximum over every c is at some c = r_j, and the sum over at most 7K candidates is at most
 * 7K times that maximum. The derived likelihood is a weighted sum over directions of products of
 * per-pack factors, so each direction is bounded apart: in a one-way direction a pack that strayed the
 * other way keeps only its untouched share of seam noise, which is what rules out a wrong group. Each
 * per-pack envelope is linear in c between residuals, so every direction's maximum is at some c = r_j
 * (see `offsetSumBound` for the sum over offsets).
 */
export function scoreBounds(signature: CountSignature, groups: readonly SignatureGroup[], totals: ArrayLike<number>): Float64Array {
  const M = groups.length;
  const K = signature.packs.length;
  const touchable = Uint8Array.from(signature.packs, (pack) => (pack.length > 0 ? 1 : 0));
  const candidates = (2 * OFFSET_REACH + 1) * K;
  const logUntouched = Float64Array.from(signature.packs, (_, k) => Math.log(signature.untouched?.[k] ?? UNTOUCHED_PACK));
  const [up, down, both] = DERIVED_DIRECTIONS;
  const logCandidates = Math.log(candidates);
  const termMatch = new Float64Array(K * K);
  const termUp = new Float64Array(K * K);
  const termDown = new Float64Array(K * K);
  const termBoth = new Float64Array(K * K);
  const sums = new Float64Array(K);
  let maxTotal = 0;
  for (let i = 0; i < K * M; i++) if (totals[i] > maxTotal) maxTotal = totals[i];
  table.ensure(Math.ceil(maxTotal));
  const seamSpike = Math.max(SEAM.atZero, SEAM.lead);
  const seamLead = SEAM.lead;
  const seamSlope = SEAM.slope;
  const observed = Float64Array.from(signature.observed);
  const residual = new Float64Array(K);
  const dSpike = new Float64Array(K);
  const dLead = new Float64Array(K);
  const dSlope = new Float64Array(K);
  const bounds = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      const p = totals[k * M + m];
      residual[k] = observed[k] - p;
      if (touchable[k] && Number.isInteger(p) && p >= 0) {
        dSpike[k] = Math.max(table.atZero[p], table.lead[p]);
        dLead[k] = table.lead[p];
        dSlope[k] = table.slope[p];
      } else if (touchable[k]) {
        const e = derivedEnvelopeAt(p);
        dSpike[k] = Math.max(e.atZero, e.lead);
        dLead[k] = e.lead;
        dSlope[k] = e.slope;
      } else {
        dSpike[k] = seamSpike;
        dLead[k] = seamLead;
        dSlope[k] = seamSlope;
      }
    }
    let integer = true;
    for (let k = 0; k < K; k++) if (!Number.isInteger(residual[k])) integer = false;
    for (let i = 0; i < K; i++) {
      const c = residual[i];
      for (let k = 0; k < K; k++) {
        const at = i * K + k;
        const signed = residual[k] - c;
        const e = Math.abs(signed);
        const seamTerm = e === 0 ? seamSpike : seamLead + e * seamSlope;
        termMatch[at] = seamTerm;
        if (!touchable[k]) {
          termBoth[at] = termUp[at] = termDown[at] = seamTerm;
          continue;
        }
        const movedTerm = e === 0 ? dSpike[k] : dLead[k] + e * dSlope[k];
        // Against a direction only the untouched share of seam noise is left; at zero, either side's limit.
        const againstTerm = logUntouched[k] + seamTerm;
        const atZero = Math.max(againstTerm, dLead[k]);
        termBoth[at] = movedTerm;
        termUp[at] = e === 0 ? atZero : signed > 0 ? movedTerm : againstTerm;
        termDown[at] = e === 0 ? atZero : signed < 0 ? movedTerm : againstTerm;
      }
    }
    const bound = (terms: Float64Array) => offsetSumBound(terms, K, logCandidates, integer, sums);
    const derivedBound = up.weight * Math.exp(bound(termUp)) + down.weight * Math.exp(bound(termDown)) + both.weight * Math.exp(bound(termBoth));
    bounds[m] = groups[m].weight * (PRIOR.match * Math.exp(bound(termMatch)) + PRIOR.derived * derivedBound);
  }
  return bounds;
}

/**
 * Log of a bound on the sum over candidate offsets of a product of per-pack factors, from their log
 * envelopes at each offset c = r_i (terms[i * K + k]). At most the candidate count times the largest
 * product; with whole-number residuals also, for any pack j, the largest product of the other packs:
 * the offsets are distinct whole numbers, so pack j's factor (a distribution over whole-number errors)
 * sums to at most one over them.
 */
function offsetSumBound(terms: Float64Array, K: number, logCandidates: number, integer: boolean, sums: Float64Array): number {
  let best = -Infinity;
  for (let i = 0; i < K; i++) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += terms[i * K + k];
    sums[i] = sum;
    if (sum > best) best = sum;
  }
  let bound = logCandidates + best;
  if (!integer) return bound;
  for (let j = 0; j < K; j++) {
    let without = -Infinity;
    for (let i = 0; i < K; i++) without = Math.max(without, sums[i] - terms[i * K + j]);
    if (without < bound) bound = without;
  }
  return bound;
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
 * Two-stage count posterior of one observation set: bounds for every group from its pack totals, then
 * the posterior's own arithmetic (posterior-kernel) on the groups whose bounds can still matter, with
 * the `unknown` window of the full index.
 */
export function prunedPosterior(signature: CountSignature, groups: readonly SignatureGroup[], totals: ArrayLike<number>, tolerance = TOLERANCE): PrunedPosterior {
  const M = groups.length;
  const K = signature.packs.length;
  const bounds = scoreBounds(signature, groups, totals);
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
  const unknownScore = PRIOR.unknown * unknownLikelihood(signature, lowest, highest);
  // A lower bound on the full total: the exact scores of the few groups bounded highest.
  const seeds = topIndexes(bounds, SEEDS);
  const seeded = kernelPosterior(signature, groups, totals, [...new Set([...seeds, ...indexesOf(extreme)])].sort((a, b) => a - b), unknownScore);
  const drop = omittable(bounds, tolerance * seeded.total);
  const kept: number[] = [];
  let omitted = 0;
  for (let m = 0; m < M; m++) {
    if (!drop[m] || extreme[m]) kept.push(m);
    else omitted += bounds[m];
  }
  const { groups: scores, unknown, total } = kernelPosterior(signature, groups, totals, kept, unknownScore);
  return { groups: scores, unknown, kept, omittedMass: omitted / total };
}

function indexesOf(marks: Uint8Array): number[] {
  const out: number[] = [];
  for (let m = 0; m < marks.length; m++) if (marks[m]) out.push(m);
  return out;
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
