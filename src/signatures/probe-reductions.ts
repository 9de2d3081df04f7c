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
export type ProbeReductions = Record<Reduction, Record<string, number>> & {
  /**
   * Tokens among the last DEEP_MERGES merges: a copy pruned that deep changes no probe without them, which is what a
   * class's core is built from (see planCoreCheck). Absent from signatures built before it was kept.
   */
  deep?: Record<string, number>;
};

const NEWEST_MERGES = 100;
/**
 * How deep a pruned copy of a vocabulary may cut and still count a probe with none of these tokens as the vocabulary
 * itself does. Copies pruned by 6,000 to 15,000 merges split common words (a copy of InternLM2 pruned by 14,852
 * strayed on a core free of the last 2,000 by 34 tokens of 109, one of Llama 3 pruned by 12,293 by 10 of 75); text
 * free of the last 20,000 still fills a core for every class that had one of 300 tokens or more. At most a fifth of a
 * vocabulary's merges: the last 20,000 of GPT-2's 50,000 left it no text to build a core of.
 */
export const DEEP_MERGES = 20_000;
const DEEP_SHARE = 0.2;
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
  deep: number;
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
  const merges = (tokenizer.structure?.mergeIds?.length ?? 0) / 2 || tokenizer.vocabSize;
  const deep = rarestTokenIds(tokenizer, Math.min(DEEP_MERGES, Math.floor(DEEP_SHARE * merges)));
  // Where the format can build the split tokenizer, its counts; elsewhere an estimate from each token's text.
  const splitDigits = tokenizer.withSplit?.('digits');
  const splitPunctuation = tokenizer.withSplit?.('punctuation');
  const splitMarks = tokenizer.withSplit?.('marks');
  const decoder = new TextDecoder();
  const tally = (text: string): TokenTally => {
    const ids = tokenizer.encode(text);
    const t: TokenTally = { tokens: ids.length, rare: 0, deep: 0, newest: 0, digits: 0, punctuation: 0, marks: 0 };
    for (const id of ids) {
      if (rare.has(id)) t.rare++;
      if (deep.has(id)) t.deep++;
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
  const result: Required<ProbeReductions> = { rare: {}, newest: {}, digits: {}, punctuation: {}, marks: {}, deep: {} };
  for (const probe of probes) {
    const framed = tally(frameText([probe.text]));
    for (const reduction of [...REDUCTIONS, 'deep'] as const) {
      const gain = framed[reduction] - empty[reduction];
      if (gain > 0) result[reduction][probe.id] = gain;
    }
  }
  return result;
}
