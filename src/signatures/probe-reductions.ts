import { frameText } from '../probes/frame.js';
import type { Probe } from '../probes/probe.js';
import { rarestTokenIds } from '../references/rarest-tokens.js';
import type { Tokenizer } from '../references/tokenizer.js';

/** The usual ways a team shrinks or re-splits a vocabulary it builds on. */
export const REDUCTIONS = ['rare', 'newest', 'digits', 'punctuation', 'marks'] as const;
export type Reduction = (typeof REDUCTIONS)[number];

/**
 * For one reference: how many tokens a probe would gain at the least if its rarest merges were pruned
 * (`rare`: the last 2,000; `newest`: the last 100, what a vocabulary adds last to the one it extends,
 * e.g. p50k's whitespace runs on top of r50k), or digits, punctuation or combining marks (`marks`: apart
 * from the letters they follow) were split off by the pre-tokenizer. The last tells apart two tokenizers on
 * one vocabulary whose patterns differ only there (Qwen2 and Qwen3.5: Thai and Indic text), which no other
 * reduction touches. Sparse, by probe id; zero is left out.
 */
export type ProbeReductions = Record<Reduction, Record<string, number>>;

const NEWEST_MERGES = 100;
/** Each digit alone, as a pre-tokenizer splitting individual digits leaves it. */
const DIGIT = /\p{Nd}/gu;
/** Runs of punctuation (Unicode P and ASCII symbols) apart from the text around them; a run may stay whole. */
const PUNCTUATION_RUN = /[\p{P}!-/:-@[-`{-~]+/gu;
/** A combining mark right after a letter: where a pre-tokenizer keeping marks apart starts a new piece. */
const MARK_AFTER_LETTER = /(?<=\p{L})\p{M}/gu;

/** Extra tokens a token becomes at the least when every match of `pattern` in it stands alone. */
function splitGain(text: string, pattern: RegExp): number {
  const hits = text.match(pattern)?.length ?? 0;
  if (!hits) return 0;
  const rest = text.split(pattern).filter(Boolean).length;
  return Math.max(0, hits + rest - 1);
}

interface TokenTally {
  tokens: number;
  rare: number;
  newest: number;
  digits: number;
  punctuation: number;
  marks: number;
}

/**
 * For one reference: how many tokens a probe would gain at the least if its rarest merges were pruned or
 * digits or punctuation split off, measured inside the frame every request uses, as its counts are. Alone
 * a probe reads differently: a SentencePiece vocabulary prepends "▁" to the text, so "!==" alone is one
 * token "▁!==" that isolating punctuation splits, while in a request it already reads "!", "==".
 */
export function probeReductions(tokenizer: Tokenizer, probes: readonly Probe[]): ProbeReductions {
  const rare = rarestTokenIds(tokenizer);
  const newest = rarestTokenIds(tokenizer, NEWEST_MERGES);
  // Where the format can build the split tokenizer, its counts; elsewhere an estimate from each token's text.
  const splitDigits = tokenizer.withSplit?.('digits');
  const splitPunctuation = tokenizer.withSplit?.('punctuation');
  const splitMarks = tokenizer.withSplit?.('marks');
  const decoder = new TextDecoder();
  const tally = (text: string): TokenTally => {
    const ids = tokenizer.encode(text);
    const t: TokenTally = { tokens: ids.length, rare: 0, newest: 0, digits: 0, punctuation: 0, marks: 0 };
    for (const id of ids) {
      if (rare.has(id)) t.rare++;
      if (newest.has(id)) t.newest++;
      const bytes = tokenizer.tokenBytes(id);
      if (!bytes || bytes.length < 2) continue;
      const piece = decoder.decode(bytes);
      t.digits += splitGain(piece, DIGIT);
      t.punctuation += splitGain(piece, PUNCTUATION_RUN);
      t.marks += piece.match(MARK_AFTER_LETTER)?.length ?? 0;
    }
    if (splitDigits) t.digits = splitDigits(text).length - ids.length;
    if (splitPunctuation) t.punctuation = splitPunctuation(text).length - ids.length;
    if (splitMarks) t.marks = splitMarks(text).length - ids.length;
    return t;
  };
  const empty = tally(frameText([]));
  const result: ProbeReductions = { rare: {}, newest: {}, digits: {}, punctuation: {}, marks: {} };
  for (const probe of probes) {
    const framed = tally(frameText([probe.text]));
    for (const reduction of REDUCTIONS) {
      const gain = framed[reduction] - empty[reduction];
      if (gain > 0) result[reduction][probe.id] = gain;
    }
  }
  return result;
}
