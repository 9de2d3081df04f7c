/**
 * A pre-tokenizer step a team building on a base vocabulary may put in front: single digits, isolated
 * punctuation, or combining marks kept apart from the letters they follow (Qwen2's pattern does so where
 * Qwen3.5's keeps them with their letters, on the same vocabulary).
 */
export type PreTokenizerSplit = 'digits' | 'punctuation' | 'marks';

/** A piece boundary between a letter and the combining marks after it; each mark run starts the next piece. */
const MARKS_APART = { type: 'Split', pattern: { Regex: '(?<=\\p{L})(?=\\p{M})' }, behavior: 'Isolated', invert: false };

/** A tokenizer.json pre-tokenizer with the split in front of what it already does. */
export function withPreTokenizerSplit(preTokenizer: unknown, split: PreTokenizerSplit): unknown {
  const added =
    split === 'digits'
      ? { type: 'Digits', individual_digits: true }
      : split === 'punctuation'
        ? { type: 'Punctuation', behavior: 'Isolated' }
        : MARKS_APART;
  return preTokenizer ? { type: 'Sequence', pretokenizers: [added, preTokenizer] } : added;
}
