import { MARGIN } from './pack-size.js';

/** How much larger packs grow per token of measured spread, and the most any pack may cost. */
const GROWTH_PER_TOKEN = 1 / 8;
const MAX_PACK_TOKENS = 2000;

/**
 * Pack bounds and the margin candidates must be apart by, under a measured spread: the differences between
 * candidates grow with the pack while the hidden part's move does not, so a larger pack keeps them several
 * spreads apart; predictions closer than twice the spread (plus the seams' margin) are not counted as apart.
 */
export function packBoundsUnderNoise(
  bounds: { min: number; max: number },
  spread: number,
  growthPerToken = GROWTH_PER_TOKEN,
): { minTokens: number; maxTokens: number; margin: number } {
  const grow = 1 + growthPerToken * spread;
  return {
    minTokens: Math.min(MAX_PACK_TOKENS, Math.round(bounds.min * grow)),
    maxTokens: Math.min(MAX_PACK_TOKENS, Math.round(bounds.max * grow)),
    margin: MARGIN + 2 * spread,
  };
}
