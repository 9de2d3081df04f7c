/** Size of each probe pack, in the largest predicted count among the candidates. */
export const PACK_TOKENS = { min: 360, max: 600 };

/** Predicted totals closer than this are not counted as apart: two seams may each move a token. */
export const MARGIN = 4;
