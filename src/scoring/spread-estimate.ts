import { residualSpreadWeights, SPREADS } from './noisy-likelihood.js';

/**
 * The spread read from every count that samples the hidden part, not only from the frame's repeats: under the
 * tokenizer named, each residual is the hidden constant plus that request's move, so the residuals of the packs
 * it predicts (and of each repeat of the frame) are as many samples of the noise as there are requests.
 */

/** How sure the spread a change is judged against must be: the median of what the samples believe. */
const SPREAD_LEVEL = 0.5;
/** Tokens a seam the build checks did not cover may add to a count on top of the hidden part's move. */
const SEAM_MARGIN = 2;

/** The spread the samples place at SPREAD_LEVEL of their belief (the smallest spread holding that much). */
export function residualSpread(residuals: readonly number[]): number {
  const weights = residualSpreadWeights(residuals);
  let held = 0;
  for (let i = 0; i < SPREADS.length; i++) {
    held += weights[i];
    if (held >= SPREAD_LEVEL - 1e-9) return SPREADS[i];
  }
  return SPREADS[SPREADS.length - 1];
}

/**
 * How far `value` lies beyond every count the hidden part could give under `spread`, given samples of it: their
 * constant lies within the spread of each, so a count of the same tokenizer lies within twice the spread (plus a
 * seam's tokens) of the farthest; 0 or less when the noise alone reaches it.
 */
export function strayBeyondSamples(value: number, samples: readonly number[], spread: number): number {
  const reach = 2 * spread + SEAM_MARGIN;
  // a sample past the spread's reach of the middle one is a jump of the hidden part, not a bound on its moves
  const middle = [...samples].sort((a, b) => a - b)[samples.length >> 1];
  const kept = samples.filter((x) => Math.abs(x - middle) <= reach);
  if (!kept.length) return Math.abs(value) - reach;
  const low = Math.max(...kept) - reach;
  const high = Math.min(...kept) + reach;
  return Math.max(low - value, value - high);
}
