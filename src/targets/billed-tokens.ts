/**
 * The prompt tokens a target billed for the answers it gave, from each answer's billed prompt count as its usage
 * gives it (undefined where it gives none): the run's spend, the one number every report shows. A count the run
 * could not read as evidence (impossible, or moving between identical requests) is still what the provider charges
 * for and counts; no usage, or a count that is no whole number of tokens (negative, fractional, NaN, past 2^53),
 * adds nothing.
 */
export function billedPromptTokens(counts: readonly unknown[]): number {
  let sum = 0;
  for (const count of counts) {
    if (typeof count === 'number' && Number.isSafeInteger(count) && count >= 0) sum += count;
  }
  return sum;
}
