import { seamNoise } from '../noise.js';
import { DERIVED_DIRECTIONS, DERIVED_SCALES, NEAR_MOVE } from '../noise.js';
import { PredictionTable } from './envelope.js';

/** The posterior sums over the offsets r_k - OFFSET_REACH ... r_k + OFFSET_REACH of every residual r_k. */
export const OFFSET_REACH = 3;

/**
 * Relative slack on every bound, for rounding: the bounds redo the live noise functions' powers as sums
 * of logarithms.
 */
const ROUNDING = 1e-9;

/** Stands in for log(0), so that differences of logs stay numbers. */
const LOG_ZERO = -1e4;

// log1p(exp(-d)) is decreasing, so its value at the start of each 1/STEPS step bounds the whole step.
const STEPS = 16;
const RANGE = 40;
const SOFTPLUS = Float64Array.from({ length: RANGE * STEPS }, (_, n) => Math.log1p(Math.exp(-n / STEPS)));
const SOFTPLUS_BEYOND = Math.log1p(Math.exp(-RANGE));

/** An upper bound on log(exp(a) + exp(b)), from a table. */
function logAddUp(a: number, b: number): number {
  const high = Math.max(a, b);
  const d = a > b ? a - b : b - a;
  return d < RANGE ? high + SOFTPLUS[(d * STEPS) | 0] : high + SOFTPLUS_BEYOND;
}

const SEAM_SMALL = [seamNoise(0), seamNoise(1), seamNoise(2), seamNoise(3)];
const LOG_SEAM_SMALL = SEAM_SMALL.map(Math.log);
/** seamNoise is geometric from three tokens on. */
const LOG_SEAM_RATIO = Math.log(seamNoise(4) / seamNoise(3));

/**
 * The one-way moved noise of a pack predicted at p, from three tokens on: two geometric tails (the
 * small and the large scale), each with its share of the mixture; by integer prediction.
 */
class TailTable extends PredictionTable {
  logSmall = new Float64Array(0);
  logSmallRatio = new Float64Array(0);
  logLarge = new Float64Array(0);
  logLargeRatio = new Float64Array(0);
  /** Both tails at three tokens, as a plain number. */
  atThree = new Float64Array(0);

  constructor() {
    super(['logSmall', 'logSmallRatio', 'logLarge', 'logLargeRatio', 'atThree']);
  }

  protected fill(p: number): void {
    const { small, large, floor } = DERIVED_SCALES;
    // As oneSided in the posterior: (1 - 2 NEAR) (1 - q) q^(e - 3), each scale with weight one half.
    const qSmall = Math.exp(-1 / Math.max(Math.max(floor, small * p), 0.5));
    const qLarge = Math.exp(-1 / Math.max(Math.max(floor, large * p), 0.5));
    const aSmall = 0.5 * (1 - 2 * NEAR_MOVE) * (1 - qSmall);
    const aLarge = 0.5 * (1 - 2 * NEAR_MOVE) * (1 - qLarge);
    this.logSmall[p] = Math.log(aSmall);
    this.logSmallRatio[p] = Math.log(qSmall);
    this.logLarge[p] = Math.log(aLarge);
    this.logLargeRatio[p] = Math.log(qLarge);
    this.atThree[p] = aSmall + aLarge;
  }
}

const tails = new TailTable();

/**
 * Per untouched share U and integer prediction p, the largest derived factor at errors e..3 for
 * e = 0..3 (logs): one-way at entry 8p + e, both ways at 8p + 4 + e; NaN until first read.
 */
class NearTable {
  values = new Float64Array(0);

  constructor(readonly untouched: number) {}

  ensure(max: number): void {
    const size = 8 * (max + 1);
    if (size <= this.values.length) return;
    const values = new Float64Array(Math.max(size, 2 * this.values.length)).fill(NaN);
    values.set(this.values);
    this.values = values;
  }

  fill(p: number): void {
    const u = this.untouched;
    const moved = 1 - u;
    for (const [at, w] of [
      [8 * p, 1],
      [8 * p + 4, 0.5],
    ]) {
      const g = [
        u * SEAM_SMALL[0],
        u * SEAM_SMALL[1] + moved * w * NEAR_MOVE,
        u * SEAM_SMALL[2] + moved * w * NEAR_MOVE,
        u * SEAM_SMALL[3] + moved * w * tails.atThree[p],
      ];
      let most = 0;
      for (let e = 3; e >= 0; e--) {
        most = Math.max(most, g[e]);
        this.values[at + e] = most > 0 ? Math.log(most) : LOG_ZERO;
      }
    }
  }
}
const nearTables = new Map<number, NearTable>();
function nearTable(untouched: number): NearTable {
  let table = nearTables.get(untouched);
  if (!table) nearTables.set(untouched, (table = new NearTable(untouched)));
  return table;
}

/** Per-signature state for bounding groups whose predictions and residuals are whole numbers. */
export class TailBounds {
  private readonly K: number;
  private readonly touchable: Uint8Array;
  private readonly logUntouched: Float64Array;
  private readonly logMovedShare: Float64Array;
  private readonly near: NearTable[];
  private readonly tMatch: Float64Array;
  private readonly tUp: Float64Array;
  private readonly tDown: Float64Array;
  private readonly tBoth: Float64Array;
  private readonly sums: Float64Array;
  /** The last group's bounds on its match and derived likelihoods. */
  match = 0;
  derived = 0;

  constructor(packs: readonly (readonly number[])[], untouched: readonly number[], maxPrediction: number) {
    const K = (this.K = packs.length);
    this.touchable = Uint8Array.from(packs, (pack) => (pack.length > 0 ? 1 : 0));
    this.logUntouched = Float64Array.from(untouched, (u) => (u > 0 ? Math.log(u) : LOG_ZERO));
    this.logMovedShare = Float64Array.from(untouched, (u) => (u < 1 ? Math.log(1 - u) : LOG_ZERO));
    this.tMatch = new Float64Array(K * K);
    this.tUp = new Float64Array(K * K);
    this.tDown = new Float64Array(K * K);
    this.tBoth = new Float64Array(K * K);
    this.sums = new Float64Array(K);
    const max = Math.max(0, Math.ceil(maxPrediction));
    tails.ensure(max);
    this.near = untouched.map((u) => nearTable(u));
    for (const table of this.near) table.ensure(max);
  }

  /**
   * Upper bound on a group's unnormalised match and derived likelihoods (before priors and weight), from
   * its whole-number predictions and residuals; in `match` and `derived`. Every offset the posterior
   * sums over is some c = r_i + j with |j| <= OFFSET_REACH, where pack k errs by at least
   * |r_k - r_i| - OFFSET_REACH on the side of r_k - r_i; past three tokens every factor decreases with
   * the error, so each pack's factor is bounded by its value there (below that, by its largest value
   * from there to three tokens). The sum over offsets is at most 2 * OFFSET_REACH + 1 times the sum of
   * those bounds over i; also, the offsets being distinct whole numbers and every factor a distribution
   * over whole-number errors, at most the largest product without any one pack.
   */
  group(predicted: Float64Array, residual: Float64Array): void {
    this.within(predicted, predicted, residual, residual);
  }

  /**
   * The same bound for every group whose predictions and residuals lie within the given whole-number
   * ranges: errors are as small as the ranges allow, and a tail's largest amplitude (at the smallest
   * prediction) goes with its slowest decay (at the largest).
   */
  within(
    lowPredicted: Float64Array,
    highPredicted: Float64Array,
    lowResidual: Float64Array,
    highResidual: Float64Array,
  ): void {
    const K = this.K;
    const { tMatch, tUp, tDown, tBoth, touchable, logUntouched, logMovedShare, near } = this;
    const { logSmall, logSmallRatio, logLarge, logLargeRatio } = tails;
    for (let i = 0; i < K; i++) {
      for (let k = 0; k < K; k++) {
        const at = i * K + k;
        // r_k - r_i lies in [below, above].
        const below = lowResidual[k] - highResidual[i];
        const above = highResidual[k] - lowResidual[i];
        const signed = below > 0 ? below : Math.min(above, 0);
        const distance = signed < 0 ? -signed : signed;
        const e = distance > OFFSET_REACH ? distance - OFFSET_REACH : 0;
        const seam = e < 3 ? LOG_SEAM_SMALL[e] : LOG_SEAM_SMALL[3] + (e - 3) * LOG_SEAM_RATIO;
        tMatch[at] = seam;
        if (!touchable[k]) {
          tUp[at] = tDown[at] = tBoth[at] = seam;
          continue;
        }
        let oneWay: number;
        let both: number;
        if (e < 3) {
          // Within three tokens: the largest factor from there on; with either side in reach, any.
          const p = lowPredicted[k];
          const table = near[k];
          const row = 8 * p;
          if (Number.isNaN(table.values[row])) table.fill(p);
          oneWay = table.values[row + e];
          both = table.values[row + 4 + e];
          if (distance <= OFFSET_REACH) {
            tUp[at] = tDown[at] = oneWay;
            tBoth[at] = both;
            continue;
          }
        } else {
          const n = e - 3;
          const low = lowPredicted[k];
          const high = highPredicted[k];
          const moved = logAddUp(logSmall[low] + n * logSmallRatio[high], logLarge[low] + n * logLargeRatio[high]);
          const stay = logUntouched[k] + seam;
          oneWay = logAddUp(stay, logMovedShare[k] + moved);
          both = logAddUp(stay, logMovedShare[k] + moved - Math.LN2);
        }
        const against = logUntouched[k] + seam;
        tUp[at] = signed > 0 ? oneWay : against;
        tDown[at] = signed < 0 ? oneWay : against;
        tBoth[at] = both;
      }
    }
    const derived =
      UP_WEIGHT * Math.exp(this.offsetSum(tUp)) +
      DOWN_WEIGHT * Math.exp(this.offsetSum(tDown)) +
      BOTH_WEIGHT * Math.exp(this.offsetSum(tBoth));
    this.match = Math.exp(this.offsetSum(tMatch)) * (1 + ROUNDING);
    this.derived = derived * (1 + ROUNDING);
  }

  private offsetSum(terms: Float64Array): number {
    const K = this.K;
    const sums = this.sums;
    let all = LOG_ZERO * (K + 1);
    for (let i = 0; i < K; i++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += terms[i * K + k];
      sums[i] = sum;
      all = logAddUp(all, sum);
    }
    let bound = LOG_SPAN + all;
    for (let j = 0; j < K; j++) {
      let without = -Infinity;
      for (let i = 0; i < K; i++) {
        const v = sums[i] - terms[i * K + j];
        if (v > without) without = v;
      }
      if (without < bound) bound = without;
    }
    return bound;
  }
}

const LOG_SPAN = Math.log(2 * OFFSET_REACH + 1);
const [UP_WEIGHT, DOWN_WEIGHT, BOTH_WEIGHT] = DERIVED_DIRECTIONS.map((d) => d.weight);
