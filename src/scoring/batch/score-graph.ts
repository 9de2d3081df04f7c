import { SEAM_NOISE, seamNoise } from '../noise.js';
import { GraphBuilder } from './graph-builder.js';

/** Offsets tried around each residual, as in the posterior: r - 3 ... r + 3. */
export const OFFSET_SPAN = 3;
export const OFFSETS = 2 * OFFSET_SPAN + 1;
/** Residuals at least this large read the last entry of the seam-noise table, which must be zero. */
export const SEAM_TABLE_SIZE = 8192;

/**
 * Seam noise as a lookup table filled from the live function, so a retuned noise model reaches the
 * graph without a second copy of its formula. The table must reach past where the tail underflows.
 */
export function seamTable(): Float64Array {
  const table = Float64Array.from({ length: SEAM_TABLE_SIZE }, (_, e) => seamNoise(e));
  if (table[SEAM_TABLE_SIZE - 1] !== 0) {
    throw new Error(
      `seam noise (tail scale ${SEAM_NOISE.tailScale}) is still ${table[SEAM_TABLE_SIZE - 1]} at ${SEAM_TABLE_SIZE - 1} tokens; widen SEAM_TABLE_SIZE`,
    );
  }
  return table;
}

/**
 * The index compiled into one scoring graph: every group's counts (group-major, float32: counts are
 * small integers, so pack totals stay exact) and the match likelihood of the count posterior (the
 * derived likelihood, a sum over change directions with per-request shares, is computed from the
 * predicted totals by the posterior kernel).
 *
 * Inputs, for B observation sets of K requests (padded; `valid` marks real ones) over U probes:
 *   starts/ends [1]: the slice of groups to score; used [U]: probe indices; packs [B,K,U]: 0/1 membership;
 *   observed, valid, touchable [B,K].
 * Outputs for each (set, group) pair: predicted [B,G,K]; matchL and derivedL [B,G], the likelihoods
 * summed over offsets before priors; best [B*G], the flat (request, offset) index of the best offset.
 *
 * Pack totals are one matrix product; the offset sum is elementwise over [B,G,K,7,K]: candidate
 * offsets o = r_k + j against every request's residual. A duplicate offset (two requests proposing
 * the same value) is weighted by 1/multiplicity, which sums each distinct offset once, like the set.
 */
export function scoreGraph(counts: Float32Array, groupCount: number, probeCount: number): Uint8Array {
  const g = new GraphBuilder();
  const starts = g.input('starts', 'int64', [1]);
  const ends = g.input('ends', 'int64', [1]);
  const used = g.input('used', 'int64', ['U']);
  const packs = g.input('packs', 'float', ['B', 'K', 'U']);
  const observed = g.input('observed', 'double', ['B', 'K']);
  const valid = g.input('valid', 'double', ['B', 'K']);

  const table = g.constant('seam_table', 'double', [SEAM_TABLE_SIZE], seamTable());
  const allCounts = g.constant('counts', 'float', [groupCount, probeCount], counts);
  const axis0 = g.constant('axis0', 'int64', [1], [0]);
  const shifts = g.constant(
    'shifts',
    'double',
    [OFFSETS],
    Array.from({ length: OFFSETS }, (_, j) => j - OFFSET_SPAN),
  );
  const c = (value: number) => g.scalar(value);
  const axisLists = new Map<string, string>();
  const axes = (list: number[]) => {
    const name = `axes_${list.join('_')}`;
    if (!axisLists.has(name)) axisLists.set(name, g.constant(name, 'int64', [list.length], list));
    return axisLists.get(name)!;
  };
  const unsqueeze = (x: string, list: number[]) => g.op('Unsqueeze', [x, axes(list)]);

  const slice = g.op('Slice', [allCounts, starts, ends, axis0]);
  const chosen = g.op('Gather', [slice, used], { axis: 1 }); // [G,U]
  const product = g.op('MatMul', [packs, g.op('Transpose', [chosen], { perm: [1, 0] })]); // [B,K,G]
  const predicted = g.op('Transpose', [g.op('Cast', [product], { to: 11 })], { perm: [0, 2, 1] }); // [B,G,K]
  g.rename(predicted, 'predicted');

  const residual = g.op('Sub', [unsqueeze(observed, [1]), predicted]); // [B,G,K]
  const offsets = g.op('Add', [unsqueeze(residual, [3]), shifts]); // [B,G,K,7]
  const error = g.op('Sub', [unsqueeze(residual, [2, 3]), unsqueeze(offsets, [4])]); // [B,G,K,7,K']
  const size = g.op('Abs', [error]);
  const exact = g.op('Gather', [table, g.op('Cast', [g.op('Min', [size, c(SEAM_TABLE_SIZE - 1)])], { to: 7 })], {
    axis: 0,
  });

  // Padded requests multiply by one.
  const validK = unsqueeze(valid, [1, 2, 3]);
  const invalidK = g.op('Sub', [c(1), validK]);
  const padded = (factor: string) =>
    g.op('ReduceProd', [g.op('Add', [g.op('Mul', [factor, validK]), invalidK])], { axes: [4], keepdims: 0 });

  const match = padded(exact); // [B,G,K,7]

  const near = g.op('Mul', [g.op('Cast', [g.op('LessOrEqual', [size, c(OFFSET_SPAN)])], { to: 11 }), validK]);
  const multiplicity = g.op('ReduceSum', [near, axes([4])], { keepdims: 0 }); // [B,G,K,7]
  const validCandidate = unsqueeze(valid, [1, 3]); // [B,1,K,1]
  const candidateWeight = g.op('Div', [validCandidate, g.op('Max', [multiplicity, c(1)])]);
  const sum = (x: string) => g.op('ReduceSum', [g.op('Mul', [x, candidateWeight]), axes([2, 3])], { keepdims: 0 });
  g.rename(sum(match), 'matchL');

  // Padded requests propose no offset; ArgMax keeps the first maximum, as the posterior's strict `>` does.
  const ranked = g.op('Add', [
    g.op('Mul', [match, g.op('Mul', [validCandidate, c(1)])]),
    g.op('Sub', [validCandidate, c(1)]),
  ]);
  g.rename(g.op('ArgMax', [g.op('Flatten', [ranked], { axis: 2 })], { axis: 1, keepdims: 0 }), 'best');

  g.output('predicted', 'double', ['B', 'G', 'K']);
  g.output('matchL', 'double', ['B', 'G']);
  g.output('best', 'int64', ['BG']);
  return g.encode('tokprint-count-posterior');
}
