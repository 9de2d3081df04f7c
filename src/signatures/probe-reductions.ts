import type { Probe } from '../probes/probe.js';
import { rarestTokenIds } from '../references/rarest-tokens.js';
import type { Tokenizer } from '../references/tokenizer.js';

/** The usual ways a team shrinks or re-splits a vocabulary it builds on. */
export const REDUCTIONS = ['rare', 'newest', 'digits', 'punctuation'] as const;
export type Reduction = (typeof REDUCTIONS)[number];

/**
 * For one reference: how many tokens a probe would gain at the least if its rarest merges were pruned
 * (`rare`: the last 2,000; `newest`: the last 100, what a vocabulary adds last to the one it extends,
 * e.g. p50k's whitespace runs on top of r50k), or digits or punctuation were split off by the
 * pre-tokenizer. Sparse, by probe id; zero is left out.
 */
export type ProbeReductions = Record<Reduction, Record<string, number>>;

const NEWEST_MERGES = 100;
/** Each digit alone, as a pre-tokenizer splitting individual digits leaves it. */
const DIGIT = /\p{Nd}/gu;
/** Runs of punctuation (Unicode P and ASCII symbols) apart from the text around them; a run may stay whole. */
const PUNCTUATION_RUN = /[\p{P}!-/:-@[-`{-~]+/gu;

/** Extra tokens a token becomes at the least when every match of `pattern` in it stands alone. */
function splitGain(text: string, pattern: RegExp): number {
  const hits = text.match(pattern)?.length ?? 0;
  if (!hits) return 0;
  const rest = text.split(pattern).filter(Boolean).length;
  return Math.max(0, hits + rest - 1);
}

export function probeReductions(tokenizer: Tokenizer, probes: readonly Probe[]): ProbeReductions {
  const rare = rarestTokenIds(tokenizer);
  // Where the format can build the split tokenizer, its counts; elsewhere an estimate from each token's text.
  const splitDigits = tokenizer.withSplit?.('digits');
  const splitPunctuation = tokenizer.withSplit?.('punctuation');
  const newest = rarestTokenIds(tokenizer, NEWEST_MERGES);
  const decoder = new TextDecoder();
  const result: ProbeReductions = { rare: {}, newest: {}, digits: {}, punctuation: {} };
  for (const probe of probes) {
    const ids = tokenizer.encode(probe.text);
    let rareGain = 0;
    let newestGain = 0;
    let digitGain = 0;
    let punctuationGain = 0;
    for (const id of ids) {
      if (rare.has(id)) rareGain++;
      if (newest.has(id)) newestGain++;
      const bytes = tokenizer.tokenBytes(id);
      if (!bytes || bytes.length < 2) continue;
      const text = decoder.decode(bytes);
      digitGain += splitGain(text, DIGIT);
      punctuationGain += splitGain(text, PUNCTUATION_RUN);
    }
    if (splitDigits) digitGain = Math.max(0, splitDigits(probe.text).length - ids.length);
    if (splitPunctuation) punctuationGain = Math.max(0, splitPunctuation(probe.text).length - ids.length);
    if (rareGain) result.rare[probe.id] = rareGain;
    if (newestGain) result.newest[probe.id] = newestGain;
    if (digitGain) result.digits[probe.id] = digitGain;
    if (punctuationGain) result.punctuation[probe.id] = punctuationGain;
  }
  return result;
}
