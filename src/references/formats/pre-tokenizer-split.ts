/** A pre-tokenizer step a team building on a base vocabulary may put in front: single digits, or isolated punctuation. */
export type PreTokenizerSplit = 'digits' | 'punctuation';

/** A tokenizer.json pre-tokenizer with the split in front of what it already does. */
export function withPreTokenizerSplit(preTokenizer: unknown, split: PreTokenizerSplit): unknown {
  const added =
    split === 'digits' ? { type: 'Digits', individual_digits: true } : { type: 'Punctuation', behavior: 'Isolated' };
  return preTokenizer ? { type: 'Sequence', pretokenizers: [added, preTokenizer] } : added;
}
