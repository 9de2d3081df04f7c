import type { CountSignature } from '../signatures/observations.js';
import type { SignatureGroup } from './hypotheses.js';
import { LARGE_MOVES } from './noise.js';

/**
 * For each pack of a signature, the tokens its core check's class counts it in, or -1 for a pack that is no core
 * check: any class counting it in as few is a class whose core it is (see LARGE_MOVES), twins of the class planned
 * for among them. Undefined when the signature holds no core check. `totals` holds every group's pack totals,
 * pack-major (k * groups.length + m).
 */
export function coreTotals(
  signature: CountSignature,
  groups: readonly SignatureGroup[],
  totals: ArrayLike<number>,
): Float64Array | undefined {
  if (!signature.coreOf?.some((reference) => reference)) return undefined;
  const M = groups.length;
  return Float64Array.from(signature.coreOf, (reference, k) => {
    const m = reference ? groups.findIndex((g) => g.references.includes(reference)) : -1;
    return m < 0 ? -1 : totals[k * M + m];
  });
}

/** Whether pack k is a core check of the class in column m: it counts the pack in no more tokens than the class planned for. */
export function isOwnCore(
  cores: ArrayLike<number> | undefined,
  totals: ArrayLike<number>,
  M: number,
  k: number,
  m: number,
) {
  return cores !== undefined && cores[k] >= 0 && totals[k * M + m] <= cores[k];
}

/** The share of pack k's moves at the large scale under the class in column m (see LARGE_MOVES). */
export function largeMovesAt(
  cores: ArrayLike<number> | undefined,
  totals: ArrayLike<number>,
  M: number,
  k: number,
  m: number,
): number {
  return isOwnCore(cores, totals, M, k, m) ? LARGE_MOVES.ownCore : LARGE_MOVES.usual;
}
