import { logSumExp } from './stream-batching.js';

/**
 * Chance that a changed vocabulary shows no sign of its change in the answers read: tokens added for a language
 * the answers do not use, or tokens removed that the model never emits. Its seen tokens then read exactly as its
 * base's, so tokens the base holds can never count against a change by more than this.
 */
export const CHANGE_UNSEEN = 0.5;
/** Rates of emitted tokens the base lacks that a visible change may have: log-uniform over this range. */
const LOWEST_RATE = 1e-3;
const HIGHEST_RATE = 0.5;
const RATE_STEPS = 48;

const RATES = Array.from(
  { length: RATE_STEPS },
  (_, i) => LOWEST_RATE * (HIGHEST_RATE / LOWEST_RATE) ** (i / (RATE_STEPS - 1)),
);

/**
 * Log-likelihood of `lacking` of `seen` tokens being ones the base lacks, under a changed vocabulary whose rate of
 * such tokens is unknown and learned from the answers themselves: with CHANGE_UNSEEN the change does not show,
 * else each token is a new one at an unknown rate (log-uniform prior). Either way a token the base lacks may be a
 * quirk at the match's own `error` rate, so with nothing lacking a change costs at most log(CHANGE_UNSEEN) against
 * a match, and a share of new tokens far above `error` favours the change as strongly as the answers show.
 */
export function changedVocabulary(lacking: number, seen: number, error: number): number {
  const held = seen - lacking;
  const unseen = lacking * Math.log(error) + held * Math.log(1 - error);
  const visible = RATES.map((r) => {
    const miss = r + (1 - r) * error;
    return lacking * Math.log(miss) + held * Math.log(1 - miss) - Math.log(RATE_STEPS);
  });
  return logSumExp([Math.log(CHANGE_UNSEEN) + unseen, Math.log(1 - CHANGE_UNSEEN) + logSumExp(visible)]);
}

/**
 * A changed vocabulary's score beside its base's: as the base's where the change does not show (CHANGE_UNSEEN),
 * else as the channel scores a change that shows.
 */
export function changedOrUnseen(match: number, visible: number): number {
  return logSumExp([Math.log(CHANGE_UNSEEN) + match, Math.log(1 - CHANGE_UNSEEN) + visible]);
}
