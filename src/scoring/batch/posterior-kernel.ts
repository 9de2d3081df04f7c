import type { CountSignature } from '../../signatures/observations.js';
import { PRIOR, type SignatureGroup } from '../hypotheses.js';
import { seamNoise, twoSidedGeometric } from '../noise.js';
import { DERIVED_SCALE, UNTOUCHED_PACK, type GroupScore } from '../posterior.js';

/**
 * The count posterior's per-group likelihoods, computed from pack totals in typed-array loops. It does
 * the live posterior's arithmetic in the live posterior's order (offsets in first-proposed order, the
 * same products and sums), with per-pack factors read from tables filled by the live noise functions,
 * so the results are the same doubles.
 */

const REACH = 3;
const MOVED = 1 - UNTOUCHED_PACK;
/** Error sizes the tables hold; a group whose residuals spread wider takes the general path. */
const SPAN = 256;

/** seamNoise(e) for 0 <= e < SPAN. */
const SEAM_TABLE = Float64Array.from({ length: SPAN }, (_, e) => seamNoise(e));

/**
 * Per integer prediction p and error size e < SPAN: a touched pack's derived factor
 * U * seam(e) + (1 - U) * g(e) and its all-moved part (1 - U) * g(e), g the derived geometric at p,
 * each computed as the live posterior computes it. Filled per prediction as met.
 */
class DerivedFactors {
  factor = new Float64Array(0);
  moved = new Float64Array(0);
  filled = new Uint8Array(0);

  ensure(max: number): void {
    if (max < this.filled.length) return;
    const size = Math.max(max + 1, this.filled.length * 2, 1024);
    const factor = new Float64Array(size * SPAN);
    const moved = new Float64Array(size * SPAN);
    const filled = new Uint8Array(size);
    factor.set(this.factor);
    moved.set(this.moved);
    filled.set(this.filled);
    this.factor = factor;
    this.moved = moved;
    this.filled = filled;
  }

  fill(p: number): void {
    if (this.filled[p]) return;
    const scale = Math.max(3, DERIVED_SCALE * p);
    for (let e = 0; e < SPAN; e++) {
      const g = twoSidedGeometric(e, scale);
      this.factor[p * SPAN + e] = UNTOUCHED_PACK * seamNoise(e) + MOVED * g;
      this.moved[p * SPAN + e] = MOVED * g;
    }
    this.filled[p] = 1;
  }
}
const derivedFactors = new DerivedFactors();

/** Offset-summed likelihoods of each scored group, before priors, and the offset with the best exact fit. */
export interface KernelLikelihoods {
  match: Float64Array;
  derived: Float64Array;
  offset: Float64Array;
}

/**
 * Likelihoods of the groups `scored` (indexes into the M columns of `totals`, pack-major k * M + m),
 * as the live posterior computes them per group.
 */
export function kernelLikelihoods(signature: CountSignature, totals: ArrayLike<number>, M: number, scored: ArrayLike<number>): KernelLikelihoods {
  const K = signature.packs.length;
  const G = scored.length;
  const out = { match: new Float64Array(G), derived: new Float64Array(G), offset: new Float64Array(G) };
  const touchable = Uint8Array.from(signature.packs, (pack) => (pack.length > 0 ? 1 : 0));
  const observed = Float64Array.from(signature.observed);
  const residual = new Float64Array(K);
  const predicted = new Float64Array(K);
  const rows = new Int32Array(K);
  const candidates = new Float64Array((2 * REACH + 1) * K);
  let maxTotal = 0;
  for (let i = 0; i < K * M; i++) if (totals[i] > maxTotal && Number.isFinite(totals[i])) maxTotal = totals[i];
  derivedFactors.ensure(Math.ceil(maxTotal));
  const { factor, moved } = derivedFactors;
  for (let g = 0; g < G; g++) {
    const m = scored[g];
    let tabled = true;
    let low = Infinity;
    let high = -Infinity;
    for (let k = 0; k < K; k++) {
      const p = totals[k * M + m];
      const r = observed[k] - p;
      predicted[k] = p;
      residual[k] = r;
      if (r < low) low = r;
      if (r > high) high = r;
      if (!Number.isInteger(r) || !Number.isInteger(p) || p < 0) tabled = false;
      else if (touchable[k]) {
        derivedFactors.fill(p);
        rows[k] = p * SPAN;
      }
    }
    // Every error |r_k - offset| is below high - low + REACH + 1.
    tabled &&= high - low + REACH < SPAN;
    const count = tabled ? integerCandidates(residual, K, candidates) : setCandidates(residual, K, candidates);
    let matchL = 0;
    let derivedL = 0;
    let bestOffset = K > 0 ? residual[0] : 0;
    let bestLikelihood = -1;
    for (let c = 0; c < count; c++) {
      const offset = candidates[c];
      let mm = 1;
      let d = 1;
      let a = 1;
      if (tabled) {
        for (let k = 0; k < K; k++) {
          const e = residual[k] - offset;
          const size = e < 0 ? -e : e;
          const exact = SEAM_TABLE[size];
          mm *= exact;
          if (touchable[k]) {
            d *= factor[rows[k] + size];
            a *= moved[rows[k] + size];
          } else {
            d *= exact;
            a *= exact;
          }
        }
      } else {
        for (let k = 0; k < K; k++) {
          const e = residual[k] - offset;
          const exact = seamNoise(e);
          mm *= exact;
          if (touchable[k]) {
            const g = twoSidedGeometric(e, Math.max(3, DERIVED_SCALE * predicted[k]));
            d *= UNTOUCHED_PACK * exact + MOVED * g;
            a *= MOVED * g;
          } else {
            d *= exact;
            a *= exact;
          }
        }
      }
      matchL += mm;
      derivedL += d - a;
      if (mm > bestLikelihood) {
        bestLikelihood = mm;
        bestOffset = offset;
      }
    }
    out.match[g] = matchL;
    out.derived[g] = derivedL;
    out.offset[g] = bestOffset;
  }
  return out;
}

/** Offsets r_k - 3 ... r_k + 3 in order, each once: with integer residuals one is new unless an earlier residual is within reach. */
function integerCandidates(residual: Float64Array, K: number, into: Float64Array): number {
  let count = 0;
  for (let k = 0; k < K; k++) {
    for (let j = -REACH; j <= REACH; j++) {
      const c = residual[k] + j;
      let seen = false;
      for (let i = 0; i < k; i++) {
        const gap = residual[i] - c;
        if (gap <= REACH && gap >= -REACH) {
          seen = true;
          break;
        }
      }
      if (!seen) into[count++] = c;
    }
  }
  return count;
}

function setCandidates(residual: Float64Array, K: number, into: Float64Array): number {
  const set = new Set<number>();
  for (let k = 0; k < K; k++) for (let j = -REACH; j <= REACH; j++) set.add(residual[k] + j);
  let count = 0;
  for (const c of set) into[count++] = c;
  return count;
}

/**
 * The live posterior's normalisation over the scored groups, given the `unknown` score (prior times
 * likelihood) the caller computed over the full index. Returns the groups in `scored` order.
 */
export function kernelPosterior(signature: CountSignature, groups: readonly SignatureGroup[], totals: ArrayLike<number>, scored: readonly number[], unknownScore: number) {
  const M = groups.length;
  const K = signature.packs.length;
  const likelihoods = kernelLikelihoods(signature, totals, M, scored);
  const touchableCount = signature.packs.filter((pack) => pack.length > 0).length;
  const fitsSomewhere = touchableCount > 0 ? 1 - Math.pow(1 - UNTOUCHED_PACK, touchableCount) : 1;
  const match = new Float64Array(scored.length);
  const derivedScore = new Float64Array(scored.length);
  let total = unknownScore;
  for (let g = 0; g < scored.length; g++) {
    const share = groups[scored[g]].weight;
    const matchL = likelihoods.match[g];
    match[g] = PRIOR.match * share * matchL;
    derivedScore[g] = PRIOR.derived * share * (touchableCount > 0 ? Math.max(0, likelihoods.derived[g]) / fitsSomewhere : matchL);
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
    scores[g] = { group: groups[m], predicted, offset, deviations, match: match[g] / total, derived: derivedScore[g] / total };
  }
  return { groups: scores, unknown: unknownScore / total, total };
}
