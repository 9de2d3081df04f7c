/**
 * How far a billed count may stray from the exact prediction when the tokenizer is the predicted one:
 * almost always not at all (the constant absorbs template and prompt), rarely by a token or two at a
 * seam the build checks did not cover, very rarely by more.
 */
export const SEAM_NOISE = { exact: 0.9759, one: 0.01, two: 0.002, tailScale: 4 };

const TAIL_MASS = 1 - SEAM_NOISE.exact - 2 * SEAM_NOISE.one - 2 * SEAM_NOISE.two;
const TAIL_Q = Math.exp(-1 / SEAM_NOISE.tailScale);

export function seamNoise(error: number): number {
  const e = Math.abs(error);
  if (e === 0) return SEAM_NOISE.exact;
  if (e === 1) return SEAM_NOISE.one;
  if (e === 2) return SEAM_NOISE.two;
  // Geometric tail over |e| >= 3, split between both signs.
  return (TAIL_MASS / 2) * (1 - TAIL_Q) * TAIL_Q ** (e - 3);
}

/** A two-sided geometric distribution over integers with the given scale; sums to one. */
export function twoSidedGeometric(value: number, scale: number): number {
  const q = Math.exp(-1 / Math.max(scale, 0.5));
  return ((1 - q) / (1 + q)) * q ** Math.abs(value);
}
