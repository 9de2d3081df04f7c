import type { CountSignature } from '../signatures/observations.js';
import { DERIVED_DIRECTIONS, LARGE_MOVES, UNTOUCHED_PACK, derivedFactor, seamNoise } from './noise.js';
import { isOwnCore, largeMovesAt } from './own-core.js';
import { noisyGroupLikelihoods } from './noisy-likelihood.js';

/**
 * The count posterior's per-group likelihoods from pack totals, with the constant summed out over its
 * plausible values: one function for the exact posterior and the two-stage scorer. Per-pack factors are
 * read from tables filled by the noise functions themselves, so a retuned noise model reaches both.
 */

const REACH = 3;
/** Error sizes the seam table holds; a group whose residuals spread wider takes the general path. */
const SPAN = 512;

/** seamNoise(e) for 0 <= e < SPAN. */
const SEAM_TABLE = Float64Array.from({ length: SPAN }, (_, e) => seamNoise(e));

const WIDTH = 2 * SPAN + 1;
const DIRECTIONS = DERIVED_DIRECTIONS.length;

/**
 * derivedFactor(e, p, untouched, sign, large) of one untouched share and share of large moves, for integer
 * predictions p >= 0, each direction and -SPAN < e < SPAN: entry (p * DIRECTIONS + direction) * WIDTH + SPAN + e,
 * computed by derivedFactor itself the first time it is read (NaN until then).
 */
class DerivedFactorTable {
  values = new Float64Array(0);

  constructor(
    readonly untouched: number,
    readonly large: number,
  ) {}

  ensure(maxPrediction: number): void {
    const size = (maxPrediction + 1) * DIRECTIONS * WIDTH;
    if (size <= this.values.length) return;
    const values = new Float64Array(Math.max(size, this.values.length * 2)).fill(NaN);
    values.set(this.values);
    this.values = values;
  }

  /** The entry at `index`, for prediction p, direction and error e. */
  fill(index: number, e: number, p: number, direction: number): number {
    return (this.values[index] = derivedFactor(e, p, this.untouched, DERIVED_DIRECTIONS[direction].sign, this.large));
  }
}
const tables = new Map<string, DerivedFactorTable>();
const tableFor = (untouched: number, large: number) => {
  const key = `${untouched} ${large}`;
  let table = tables.get(key);
  if (!table) tables.set(key, (table = new DerivedFactorTable(untouched, large)));
  return table;
};

/** Offset-summed likelihoods of each scored group, before priors, and the offset with the best exact fit. */
export interface GroupLikelihoods {
  match: Float64Array;
  derived: Float64Array;
  offset: Float64Array;
}

/**
 * Likelihoods of the groups `scored` (indexes into the M columns of `totals`, pack-major k * M + m):
 * for each offset (in first-proposed order) the product of every request's factor, summed.
 */
export function groupLikelihoods(
  signature: CountSignature,
  totals: ArrayLike<number>,
  M: number,
  scored: ArrayLike<number>,
  /** Per pack, the tokens its core check's class counts it in, or -1 (see coreTotals). */
  cores?: ArrayLike<number>,
): GroupLikelihoods {
  if (signature.moves?.some((d) => d !== 0))
    return noisyGroupLikelihoods(signature, totals, M, scored, signature.moves, cores);
  const K = signature.packs.length;
  const G = scored.length;
  const out = { match: new Float64Array(G), derived: new Float64Array(G), offset: new Float64Array(G) };
  const touchable = Uint8Array.from(signature.packs, (pack) => (pack.length > 0 ? 1 : 0));
  const untouched = Float64Array.from(signature.packs, (_, k) => signature.untouched?.[k] ?? UNTOUCHED_PACK);
  const [up, down, both] = DERIVED_DIRECTIONS;
  const observed = Float64Array.from(signature.observed);
  const residual = new Float64Array(K);
  const predicted = new Float64Array(K);
  const candidates = new Float64Array((2 * REACH + 1) * K);
  let maxTotal = 0;
  for (let g = 0; g < G; g++) {
    for (let k = 0; k < K; k++) {
      const p = totals[k * M + scored[g]];
      if (p > maxTotal && Number.isFinite(p)) maxTotal = p;
    }
  }
  const packTables = Array.from(untouched, (u) => tableFor(u, LARGE_MOVES.usual));
  // a core check's own tables, only for the packs that are one
  const coreTables = Array.from(untouched, (u, k) =>
    cores && cores[k] >= 0 ? tableFor(u, LARGE_MOVES.ownCore) : undefined,
  );
  for (const table of [...packTables, ...coreTables]) table?.ensure(Math.ceil(maxTotal));
  // the tables of the group scored: its own core check's where it has one
  const groupTables = [...packTables];
  // Where row k's entries of direction 0 at e = 0 sit in its table; the other directions follow WIDTH apart.
  const rows = new Int32Array(K);
  for (let g = 0; g < G; g++) {
    const m = scored[g];
    for (let k = 0; k < K; k++) groupTables[k] = (isOwnCore(cores, totals, M, k, m) && coreTables[k]) || packTables[k];
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
      else rows[k] = p * DIRECTIONS * WIDTH + SPAN;
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
      let dUp = 1;
      let dDown = 1;
      let dBoth = 1;
      for (let k = 0; k < K; k++) {
        const e = residual[k] - offset;
        const size = e < 0 ? -e : e;
        const exact = tabled ? SEAM_TABLE[size] : seamNoise(e);
        mm *= exact;
        if (touchable[k] && tabled) {
          const table = groupTables[k];
          const values = table.values;
          const at = rows[k] + e;
          let f = values[at];
          dUp *= !Number.isNaN(f) ? f : table.fill(at, e, predicted[k], 0);
          f = values[at + WIDTH];
          dDown *= !Number.isNaN(f) ? f : table.fill(at + WIDTH, e, predicted[k], 1);
          f = values[at + 2 * WIDTH];
          dBoth *= !Number.isNaN(f) ? f : table.fill(at + 2 * WIDTH, e, predicted[k], 2);
        } else if (touchable[k]) {
          const large = largeMovesAt(cores, totals, M, k, m);
          dUp *= derivedFactor(e, predicted[k], untouched[k], up.sign, large);
          dDown *= derivedFactor(e, predicted[k], untouched[k], down.sign, large);
          dBoth *= derivedFactor(e, predicted[k], untouched[k], both.sign, large);
        } else {
          dUp *= exact;
          dDown *= exact;
          dBoth *= exact;
        }
      }
      matchL += mm;
      derivedL += 0 + up.weight * dUp + down.weight * dDown + both.weight * dBoth;
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
