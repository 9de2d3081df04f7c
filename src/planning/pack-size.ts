/** Size of each probe pack, in the largest predicted count among the candidates. */
export const PACK_TOKENS = { min: 360, max: 600 };

/**
 * How much larger a stratum pack grows once a tokenizer outside the index is the likeliest account of the counts
 * (`unknown` at OUTSIDE_LEADS or more). A changed copy of an indexed vocabulary still fits it where its change did
 * not reach, to the token, however large the pack; a tokenizer outside the index rarely lands on any candidate's
 * count by chance, and less often the larger the pack, so each request tells the two apart better.
 */
export const OUTSIDE_PACK_GROWTH = 2;
export const OUTSIDE_LEADS = 0.5;

/**
 * The pack bounds while `unknown` holds this much of the posterior, before any spread is measured: once identical
 * requests were billed differently, packs grow with the spread instead (packBoundsUnderNoise), and `unknown` may
 * lead only because the hidden part moved. A grown pack that would not fit the prompt tokens the budget leaves
 * (`room`) keeps the usual size.
 */
export function stratumPackTokens(
  unknown: number,
  spread = 0,
  room = Number.POSITIVE_INFINITY,
): { min: number; max: number } {
  const grown = { min: PACK_TOKENS.min * OUTSIDE_PACK_GROWTH, max: PACK_TOKENS.max * OUTSIDE_PACK_GROWTH };
  return unknown >= OUTSIDE_LEADS && spread === 0 && grown.max <= room ? grown : PACK_TOKENS;
}

/** Predicted totals closer than this are not counted as apart: two seams may each move a token. */
export const MARGIN = 4;
