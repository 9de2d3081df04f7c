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

/** The `unknown` likelihood of one pack's count relative to the frame, given the smallest and largest indexed prediction. */
export function unknownPackLikelihood(relative: number, lowest: number, highest: number): number {
  const { lo, hi } = unknownWindow([lowest, highest]);
  const wide = relative >= lo && relative <= hi ? 1 / (hi - lo + 1) : OUTSIDE_WINDOW / (hi - lo + 1);
  const { margin, seam } = OUTSIDE_SPREAD;
  const from = Math.floor(lowest - Math.max(seam, margin * lowest));
  const to = Math.ceil(highest + Math.max(seam, margin * highest));
  const between = relative >= from && relative <= to ? 1 / (to - from + 1) : 0;
  return OUTSIDE_SPREAD.between * between + (1 - OUTSIDE_SPREAD.between) * wide;
}
