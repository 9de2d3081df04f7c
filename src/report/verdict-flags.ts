/**
 * The warnings a verdict carries, in plain words. Each flag is the most important sentence of its report,
 * so every renderer shows these first; a new flag needs one sentence here, and a flag without one is
 * still shown, by its name.
 */
const FLAG_WORDS: Record<string, string> = {
  'usage-count-inconsistent':
    'The prompt token counts the target reports do not fit the tokens seen in its answers (it may recount usage with another tokenizer), so the verdict rests on the tokens seen and the counts were set aside.',
  'completion-count-inconsistent':
    'The output token counts the target reports do not fit the tokens seen in its answers, so the verdict rests on the tokens seen and those counts were set aside.',
  'usage-count-unstable':
    'The target billed different prompt counts for identical requests (noisy counts, or a hidden prompt that changes), so no verdict rests on its counts alone.',
  'usage-count-impossible':
    "The target's billed prompt counts are impossible, so they were not read: the verdict rests on the other channels only.",
  'seen-tokens-disputed':
    'The prompt token counts fit one tokenizer and the tokens seen in the answers another, and the answers read did not settle which: an honest changed tokenizer whose tokens a larger vocabulary happens to hold, or a provider billing with another tokenizer. No verdict is given. More answers (a larger --max-queries) settle it only where the larger vocabulary lacks more of them than chance explains; the tokenizer files, where the provider can be asked for them, settle it for certain.',
  'answers-replayed':
    'Some answers were replayed from an earlier run instead of asked of the target now: they can be out of date.',
};

export interface FlagNote {
  flag: string;
  /** One or two sentences for a reader who does not know the flag. */
  text: string;
}

/** The verdict's flags with their words; `detail` (e.g. why a channel was set aside) is added to the first. */
export function flagNotes(flags: readonly string[] | undefined, detail?: string): FlagNote[] {
  return (flags ?? []).map((flag, i) => {
    const words = FLAG_WORDS[flag] ?? `The verdict is flagged "${flag}": read the verdict's JSON before trusting it.`;
    return { flag, text: i === 0 && detail ? `${words} (${detail.replace(/[.\s]+$/, '')}.)` : words };
  });
}

/** Each flag as one line of plain text: `warning (flag): words`. */
export function flagLines(notes: readonly FlagNote[]): string[] {
  return notes.map((n) => `warning (${n.flag}): ${n.text}`);
}
