import type { CountSignature } from '../signatures/observations.js';

/**
 * How a tokenizer outside the index counts a pack, relative to the bare frame. Measured on tokenizers the
 * index lacks (each indexed class with its class removed, llama.cpp's vocabularies of other families,
 * BPE, WordPiece and Unigram tokenizers trained on local text), over random stratum packs: 93%, 100% and
 * 63% of their pack counts fell between the smallest and the largest indexed prediction, and all but a
 * few of the rest within half the smallest and twice the largest. So `unknown` puts most of its mass
 * between the indexed predictions (a tenth of a pack either side) and the rest over the wide window,
 * instead of spreading all of it evenly over the wide one, where a changed copy of an indexed vocabulary
 * (which may stray by a quarter of a pack) outbid it.
 */
export const OUTSIDE_SPREAD = { between: 0.5, margin: 0.1, seam: 3 };

/** Likelihood an observation outside the wide window keeps, relative to one inside it. */
export const OUTSIDE_WINDOW = 0.1;

/**
 * Where an unindexed tokenizer's count for a pack may fall, judged from the indexed ones: from half the
 * smallest prediction to twice the largest (byte-level fallbacks can double a count).
 */
export function unknownWindow(predictions: readonly number[]): { lo: number; hi: number } {
  return { lo: Math.floor(0.5 * Math.min(...predictions)), hi: Math.ceil(2 * Math.max(...predictions)) + 10 };
}

/**
 * A tokenizer outside the index counts a pack near some indexed vocabulary's prediction more often than a spread
 * between them says: large vocabularies count common text alike. Measured over the committed index, each class
 * counting random stratum packs (20 to 90 probes) against the classes of every other family: 14% of the counts
 * equal some other family's prediction exactly, and half lie within 1.2% of the nearest. A mixture that puts `share`
 * of the mass near the predictions (each class weighing the same, a two-sided geometric of `scale` times the count)
 * explained those counts best at share 0.9 (mean log-likelihood -5.84 per pack, against -6.19 without; with the pairs
 * that count 90% of probes alike left out, -5.93 at share 0.7 against -6.21); half keeps the spread for tokenizers
 * unlike any indexed one (trained ones fall outside the predictions more often).
 */
export const NEAR_INDEXED = { share: 0.5, scale: 0.05 };

/**
 * The density of `relative` near the indexed predictions of one pack (see NEAR_INDEXED): group m predicts
 * `predictions[start + m]` and weighs `weights[m]`.
 */
export function nearIndexedDensity(
  relative: number,
  predictions: ArrayLike<number>,
  weights: ArrayLike<number>,
  start = 0,
): number {
  const q = Math.exp(-1 / Math.max(1, NEAR_INDEXED.scale * Math.abs(relative)));
  const norm = (1 - q) / (1 + q);
  let sum = 0;
  let total = 0;
  for (let m = 0; m < weights.length; m++) {
    total += weights[m];
    sum += weights[m] * q ** Math.abs(relative - predictions[start + m]);
  }
  return total > 0 ? (norm * sum) / total : 0;
}

/**
 * The `unknown` likelihood of one pack's count relative to the frame, given the smallest and largest indexed
 * prediction, and its density near the predictions (see NEAR_INDEXED).
 */
export function unknownPackLikelihood(relative: number, lowest: number, highest: number, near = 0): number {
  const { lo, hi } = unknownWindow([lowest, highest]);
  const wide = relative >= lo && relative <= hi ? 1 / (hi - lo + 1) : OUTSIDE_WINDOW / (hi - lo + 1);
  const { margin, seam } = OUTSIDE_SPREAD;
  const from = Math.floor(lowest - Math.max(seam, margin * lowest));
  const to = Math.ceil(highest + Math.max(seam, margin * highest));
  const between = relative >= from && relative <= to ? 1 / (to - from + 1) : 0;
  const spread = OUTSIDE_SPREAD.between * between + (1 - OUTSIDE_SPREAD.between) * wide;
  return (1 - NEAR_INDEXED.share) * spread + NEAR_INDEXED.share * near;
}

/**
 * The `unknown` likelihood of one set, from the smallest and largest prediction of each request and every group's
 * prediction (`totals`, pack-major k * M + m), each group weighing its prior weight.
 */
export function unknownLikelihood(
  signature: CountSignature,
  lowest: ArrayLike<number>,
  highest: ArrayLike<number>,
  totals: ArrayLike<number>,
  groups: readonly { weight: number }[],
): number {
  const weights = groups.map((g) => g.weight);
  const M = weights.length;
  const base = signature.packs.findIndex((pack) => pack.length === 0);
  let likelihood = 1;
  signature.packs.forEach((pack, k) => {
    if (pack.length === 0 || base < 0) return;
    const relative = signature.observed[k] - signature.observed[base];
    likelihood *= unknownPackLikelihood(
      relative,
      lowest[k],
      highest[k],
      nearIndexedDensity(relative, totals, weights, k * M),
    );
  });
  return likelihood;
}
