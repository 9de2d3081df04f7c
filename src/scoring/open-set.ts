import { twoSidedGeometric } from './noise.js';

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

/**
 * Counts of different vocabularies cluster: text most vocabularies split alike is counted alike, so a tokenizer
 * outside the index lands near some indexed prediction (and on it exactly) far more often than a flat window
 * says, and an exact fit there is weaker evidence of a changed copy than it looks. `unknown` therefore puts
 * mass near the indexed predictions themselves, each family one draw of "how a tokenizer counts this text" (a
 * kernel density over them), and keeps the flat windows for the rest. The fewer families, the less that density
 * is worth: its share is F / (F + `families`) for F families (0.39 with the committed index's 23), so a small
 * index keeps the flat windows' reach for counts that stray from every reference. Checked on the index itself:
 * each family's counts of random stratum packs, held out and scored under the other families' predictions, gain
 * 0.2 nats a pack over the flat windows alone (a larger share gains up to 0.34, but then a count straying from
 * all of a few references is no longer called unknown). The bandwidth is Silverman's rule over the families,
 * narrowed to 0.4 of it (best held out), and never under a seam's few tokens.
 */
export const NEAR_PREDICTIONS = { families: 36, bandwidth: 0.4 };
/**
 * The `unknown` likelihood of one pack's count relative to the frame, given every indexed group's prediction of
 * it and the group's family (see NEAR_PREDICTIONS).
 */
export function unknownCountLikelihood(
  relative: number,
  predictions: ArrayLike<number>,
  families: readonly string[],
): number {
  const perFamily = new Map<string, number>();
  for (const family of families) perFamily.set(family, (perFamily.get(family) ?? 0) + 1);
  const F = perFamily.size;
  let lowest = Infinity;
  let highest = -Infinity;
  let mean = 0;
  for (let m = 0; m < families.length; m++) {
    const p = predictions[m];
    if (p < lowest) lowest = p;
    if (p > highest) highest = p;
    mean += p / (F * perFamily.get(families[m])!);
  }
  let variance = 0;
  for (let m = 0; m < families.length; m++)
    variance += (predictions[m] - mean) ** 2 / (F * perFamily.get(families[m])!);
  const scale = Math.max(OUTSIDE_SPREAD.seam, NEAR_PREDICTIONS.bandwidth * 1.06 * Math.sqrt(variance) * F ** -0.2);
  let near = 0;
  for (let m = 0; m < families.length; m++)
    near += twoSidedGeometric(relative - predictions[m], scale) / (F * perFamily.get(families[m])!);
  const share = F / (F + NEAR_PREDICTIONS.families);
  return share * near + (1 - share) * unknownPackLikelihood(relative, lowest, highest);
}
