import type { CountSignature } from '../../signatures/observations.js';
import type { SignatureGroup } from '../hypotheses.js';

/** Every group's count of every probe, probe-major (entry p * groups + m), in the narrowest array that holds them. */
export interface CountMatrix {
  groups: number;
  probes: number;
  counts: Uint8Array | Uint16Array | Int32Array;
}

/** Groups transposed per block, so both the reads and the writes stay within a few cache lines. */
const BLOCK = 64;

export function countMatrix(groups: readonly SignatureGroup[]): CountMatrix {
  const M = groups.length;
  const P = groups[0]?.counts.length ?? 0;
  const columns = groups.map((group) => group.counts);
  // Bytes first (counts of one probe rarely pass 255); a count that does not fit starts over wider.
  for (const make of [
    (n: number) => new Uint8Array(n),
    (n: number) => new Uint16Array(n),
    (n: number) => new Int32Array(n),
  ]) {
    const counts = make(P * M);
    if (transpose(columns, counts, M, P)) return { groups: M, probes: P, counts };
  }
  throw new Error('unreachable: Int32Array holds every count');
}

/** Writes columns[m][p] to counts[p * M + m], block by block; false if a count does not fit the array. */
function transpose(
  columns: readonly Int32Array[],
  counts: Uint8Array | Uint16Array | Int32Array,
  M: number,
  P: number,
): boolean {
  for (let first = 0; first < M; first += BLOCK) {
    const end = Math.min(M, first + BLOCK);
    for (let m = first; m < end; m++) {
      const column = columns[m];
      for (let p = 0; p < P; p++) {
        const c = column[p];
        counts[p * M + m] = c;
        if (counts[p * M + m] !== c) return false;
      }
    }
  }
  return true;
}

const matrices = new WeakMap<readonly SignatureGroup[], CountMatrix>();

/** The matrix of a group list, built on first use and kept as long as the list lives. */
export function cachedCountMatrix(groups: readonly SignatureGroup[]): CountMatrix {
  let matrix = matrices.get(groups);
  if (!matrix) {
    matrix = countMatrix(groups);
    matrices.set(groups, matrix);
  }
  return matrix;
}

/** Predicted pack totals of every group, pack-major: entry k * M + m; a probe repeated in a pack counts each time. */
export function matrixPackTotals(signature: CountSignature, matrix: CountMatrix): Float64Array {
  const M = matrix.groups;
  const counts = matrix.counts;
  const out = new Float64Array(signature.packs.length * M);
  const sum = new Int32Array(M);
  for (let k = 0; k < signature.packs.length; k++) {
    const pack = signature.packs[k];
    sum.fill(0);
    // Four probe rows per pass over the sums: a quarter of the loads and stores of `sum`.
    let i = 0;
    for (; i + 4 <= pack.length; i += 4) {
      const a = pack[i] * M;
      const b = pack[i + 1] * M;
      const c = pack[i + 2] * M;
      const d = pack[i + 3] * M;
      for (let m = 0; m < M; m++) sum[m] += counts[a + m] + counts[b + m] + counts[c + m] + counts[d + m];
    }
    for (; i < pack.length; i++) {
      const a = pack[i] * M;
      for (let m = 0; m < M; m++) sum[m] += counts[a + m];
    }
    out.set(sum, k * M);
  }
  return out;
}
