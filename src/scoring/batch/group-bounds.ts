import type { CountSignature } from '../../signatures/observations.js';
import { PRIOR, type SignatureGroup } from '../hypotheses.js';
import { DERIVED_DIRECTIONS, UNTOUCHED_PACK } from '../noise.js';
import { DerivedTable, SEAM, derivedEnvelope as derivedEnvelopeAt } from './envelope.js';
import type { GroupClusters } from './group-clusters.js';
import { groupLikelihoods } from '../likelihood.js';
import { OFFSET_REACH, TailBounds } from './tail-bounds.js';

/**
 * Groups whose residuals all lie within this many tokens are bounded by their score itself: near the
 * offset that fits them, where their mass is, no bound in closed form comes close.
 */
export const COMPACT_SPREAD = 12;

/** Relative slack on a score used as its own bound, for the order of its products. */
const ROUNDING = 1e-9;

const table = new DerivedTable();

/**
 * Upper bounds on groups' unnormalised match + derived scores (PRIOR x weight x likelihood) from their
 * predicted pack totals (pack-major, entry k * M + m): a group whose residuals all lie close together by
 * its score itself, one with whole-number predictions and residuals by the tail bound (TailBounds),
 * any other by the envelope bound (see `envelopeBound`); a cluster of groups by one tail bound over
 * the ranges of its members' predictions and residuals.
 */
export class GroupBounds {
  private readonly M: number;
  private readonly K: number;
  private readonly observed: Float64Array;
  private readonly touchable: Uint8Array;
  private readonly logUntouched: Float64Array;
  private readonly logCandidates: number;
  private readonly tail: TailBounds;
  private readonly residual: Float64Array;
  private readonly predicted: Float64Array;
  private readonly terms: Float64Array[];
  private readonly sums: Float64Array;
  private readonly dSpike: Float64Array;
  private readonly dLead: Float64Array;
  private readonly dSlope: Float64Array;
  private readonly range: Float64Array[];

  constructor(
    private readonly signature: CountSignature,
    private readonly groups: readonly SignatureGroup[],
    private readonly totals: ArrayLike<number>,
  ) {
    const M = (this.M = groups.length);
    const K = (this.K = signature.packs.length);
    this.observed = Float64Array.from(signature.observed);
    this.touchable = Uint8Array.from(signature.packs, (pack) => (pack.length > 0 ? 1 : 0));
    const untouched = signature.packs.map((_, k) => signature.untouched?.[k] ?? UNTOUCHED_PACK);
    this.logUntouched = Float64Array.from(untouched, Math.log);
    this.logCandidates = Math.log((2 * OFFSET_REACH + 1) * K);
    let maxTotal = 0;
    for (let i = 0; i < K * M; i++) if (totals[i] > maxTotal) maxTotal = totals[i];
    table.ensure(Math.ceil(maxTotal));
    this.tail = new TailBounds(signature.packs, untouched, maxTotal);
    this.residual = new Float64Array(K);
    this.predicted = new Float64Array(K);
    this.terms = [0, 1, 2, 3].map(() => new Float64Array(K * K));
    this.sums = new Float64Array(K);
    this.dSpike = new Float64Array(K);
    this.dLead = new Float64Array(K);
    this.dSlope = new Float64Array(K);
    this.range = [0, 1, 2, 3].map(() => new Float64Array(K));
  }

  /** Writes the bound of each group in `indexes` to bounds[m]. */
  bound(indexes: ArrayLike<number>, bounds: Float64Array): void {
    const { M, K, totals, observed, predicted, residual, tail, groups } = this;
    const compact: number[] = [];
    for (let g = 0; g < indexes.length; g++) {
      const m = indexes[g];
      let whole = true;
      let low = Infinity;
      let high = -Infinity;
      for (let k = 0; k < K; k++) {
        const p = totals[k * M + m];
        const r = observed[k] - p;
        predicted[k] = p;
        residual[k] = r;
        if (!Number.isInteger(r) || !Number.isInteger(p) || p < 0) whole = false;
        if (r < low) low = r;
        if (r > high) high = r;
      }
      if (whole && high - low <= COMPACT_SPREAD) compact.push(m);
      else if (whole) {
        tail.group(predicted, residual);
        bounds[m] = groups[m].weight * (PRIOR.match * tail.match + PRIOR.derived * tail.derived);
      } else bounds[m] = groups[m].weight * this.envelopeBound(m);
    }
    const exact = groupLikelihoods(this.signature, totals, M, compact);
    compact.forEach(
      (m, g) =>
        (bounds[m] =
          groups[m].weight * (PRIOR.match * exact.match[g] + PRIOR.derived * exact.derived[g]) * (1 + ROUNDING)),
    );
  }

  /**
   * A bound on the unnormalised score of the cluster's members together (their weights times one bound
   * on any member's likelihood), or Infinity when a member's predictions are not whole numbers.
   */
  cluster(clusters: GroupClusters, c: number): number {
    const { M, K, totals, observed } = this;
    const [lowPredicted, highPredicted, lowResidual, highResidual] = this.range;
    lowPredicted.fill(Infinity);
    highPredicted.fill(-Infinity);
    for (let at = clusters.starts[c]; at < clusters.starts[c + 1]; at++) {
      const m = clusters.members[at];
      for (let k = 0; k < K; k++) {
        const p = totals[k * M + m];
        if (p < lowPredicted[k]) lowPredicted[k] = p;
        if (p > highPredicted[k]) highPredicted[k] = p;
      }
    }
    for (let k = 0; k < K; k++) {
      if (
        !Number.isInteger(lowPredicted[k]) ||
        !Number.isInteger(highPredicted[k]) ||
        lowPredicted[k] < 0 ||
        !Number.isInteger(observed[k])
      )
        return Infinity;
      lowResidual[k] = observed[k] - highPredicted[k];
      highResidual[k] = observed[k] - lowPredicted[k];
    }
    this.tail.within(lowPredicted, highPredicted, lowResidual, highResidual);
    return clusters.weight[c] * (PRIOR.match * this.tail.match + PRIOR.derived * this.tail.derived);
  }

  /**
   * The likelihood bound for predictions or residuals that are not whole numbers. Per pack the factor
   * is at most exp(atZero) at error 0 and exp(lead + |e| slope) elsewhere; the product's envelope over
   * the offset c is concave between residuals with spikes at them, so its maximum over every c is at
   * some c = r_j, and the sum over at most 7K candidates is at most 7K times that maximum. The derived
   * likelihood is a weighted sum over directions of products of per-pack factors, so each direction is
   * bounded apart: in a one-way direction a pack that strayed the other way keeps only its untouched
   * share of seam noise, which is what rules out a wrong group. Each per-pack envelope is linear in c
   * between residuals, so every direction's maximum is at some c = r_j (see `offsetSumBound`).
   */
  private envelopeBound(m: number): number {
    const { M, K, totals, touchable, logUntouched, residual, dSpike, dLead, dSlope, sums } = this;
    const [termMatch, termUp, termDown, termBoth] = this.terms;
    const [up, down, both] = DERIVED_DIRECTIONS;
    const seamSpike = Math.max(SEAM.atZero, SEAM.lead);
    const seamLead = SEAM.lead;
    const seamSlope = SEAM.slope;
    for (let k = 0; k < K; k++) {
      const p = totals[k * M + m];
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
    const bound = (terms: Float64Array) => offsetSumBound(terms, K, this.logCandidates, integer, sums);
    const derivedBound =
      up.weight * Math.exp(bound(termUp)) +
      down.weight * Math.exp(bound(termDown)) +
      both.weight * Math.exp(bound(termBoth));
    return PRIOR.match * Math.exp(bound(termMatch)) + PRIOR.derived * derivedBound;
  }
}

/**
 * Log of a bound on the sum over candidate offsets of a product of per-pack factors, from their log
 * envelopes at each offset c = r_i (terms[i * K + k]). At most the candidate count times the largest
 * product; with whole-number residuals also, for any pack j, the largest product of the other packs:
 * the offsets are distinct whole numbers, so pack j's factor (a distribution over whole-number errors)
 * sums to at most one over them.
 */
function offsetSumBound(
  terms: Float64Array,
  K: number,
  logCandidates: number,
  integer: boolean,
  sums: Float64Array,
): number {
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

/** Every group's bound (see GroupBounds). */
export function scoreBounds(
  signature: CountSignature,
  groups: readonly SignatureGroup[],
  totals: ArrayLike<number>,
): Float64Array {
  const bounds = new Float64Array(groups.length);
  new GroupBounds(signature, groups, totals).bound(
    Int32Array.from(groups, (_, m) => m),
    bounds,
  );
  return bounds;
}
