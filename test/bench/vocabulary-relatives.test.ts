import { describe, expect, it } from 'vitest';
import { RELATIVE_SHARE, sharedShare, vocabularyRelatives } from '../../bench/vocabulary-relatives.js';
import { realTokenizer } from '../helpers/real-tokenizers.js';

describe('vocabulary relatives in the open-set bench', () => {
  it('finds a vocabulary and its own extended copy, not two vocabularies grown apart', async () => {
    const [qwen25, qwen3, llama3, gemma3] = await Promise.all(
      (['qwen2.5', 'qwen3', 'llama3', 'gemma3'] as const).map((name) => realTokenizer(name)),
    );
    // Qwen3 is Qwen2.5's vocabulary with a few control tokens more
    expect(sharedShare(qwen25, qwen3).share).toBeGreaterThan(0.999);
    // Llama 3 and Qwen2.5 both grew from cl100k, each its own way: neither holds the other
    expect(sharedShare(llama3, qwen25).share).toBeLessThan(RELATIVE_SHARE);
    const relatives = vocabularyRelatives(qwen25, [
      { id: 'qwen3', tokenizer: qwen3 },
      { id: 'llama3', tokenizer: llama3 },
      { id: 'gemma3', tokenizer: gemma3 },
    ]);
    expect(relatives.map((r) => r.id)).toEqual(['qwen3']);
  });
});
