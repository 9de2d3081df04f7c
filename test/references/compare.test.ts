import { describe, expect, it } from 'vitest';
import { compareTokenizers, THRESHOLDS } from '../../src/references/compare.js';
import { createTokenizer } from '../../src/references/formats/index.js';
import type { Tokenizer } from '../../src/references/tokenizer.js';
import { extendVocabulary, realTokenizer, realTokenizerFiles, reserialise } from '../helpers/real-tokenizers.js';

describe('compareTokenizers on real tokenizers', () => {
  it('finds Qwen3 built on Qwen2.5: same base vocabulary, ids and merges, four more added tokens', async () => {
    const [qwen25, qwen3] = await Promise.all([realTokenizer('qwen2.5'), realTokenizer('qwen3')]);
    const result = compareTokenizers(qwen25, qwen3, { labels: { a: 'qwen2.5', b: 'qwen3' } });

    expect(result.vocabulary).toMatchObject({ a: 151_643, b: 151_643, shared: 151_643, jaccard: 1 });
    expect(result.ids.agreement).toBe(1);
    expect(result.merges).toMatchObject({ a: 151_387, b: 151_387, shared: 151_387, orderAgreement: 1 });
    expect(result.normalizerEqual).toBe(true);
    expect(result.preTokenizerEqual).toBe(true);
    expect(result.addedTokens.onlyA).toEqual([]);
    expect(result.addedTokens.onlyB.map((t) => t.content)).toEqual(expect.arrayContaining(['<think>', '</think>']));
    expect(result.addedTokens.onlyB).toHaveLength(4);
    // <think> is plain added text in Qwen3, so a message containing it segments differently.
    expect(result.encoding.differing).toEqual(['special-misc']);
    expect(result.verdict).toBe('derived');
    expect(result.base).toBe('a');
    expect(result.delta).toMatchObject({
      vocabularyAdded: 0,
      vocabularyRemoved: 0,
      idsChanged: 0,
      mergesAdded: 0,
      mergesRemoved: 0,
    });
    expect(result.summary).toMatch(/^derived: qwen3 is derived from qwen2\.5 \(4 added tokens more/);

    const reversed = compareTokenizers(qwen3, qwen25);
    expect(reversed.verdict).toBe('derived');
    expect(reversed.base).toBe('b');
  });

  it('still compares when one loader exposes no structure, counting only special tokens as added', async () => {
    const [qwen25, qwen3] = await Promise.all([realTokenizer('qwen2.5'), realTokenizer('qwen3')]);
    const bare: Tokenizer = { ...qwen3, structure: undefined };
    const result = compareTokenizers(qwen25, bare);
    expect(result.merges).toBeUndefined();
    expect(result.preTokenizerEqual).toBeUndefined();
    expect(result.verdict).toBe('derived');
    expect(result.base).toBe('a');
    // Qwen3's plain added tokens (<think> and the like) now look like vocabulary.
    expect(result.delta).toMatchObject({ vocabularyAdded: 4, vocabularyRemoved: 0, idsChanged: 0 });
    expect(result.addedTokens.onlyA).toEqual([]);
  });

  it('finds Llama 3 and Gemma 3 unrelated', async () => {
    const [llama3, gemma3] = await Promise.all([realTokenizer('llama3'), realTokenizer('gemma3')]);
    const result = compareTokenizers(llama3, gemma3);

    expect(result.verdict).toBe('unrelated');
    expect(result.base).toBeUndefined();
    expect(Math.max(result.vocabulary.aInB, result.vocabulary.bInA)).toBeLessThan(THRESHOLDS.containment);
    expect(result.vocabulary.aInB).toBeCloseTo(0.6748, 3);
    expect(result.ids.agreement).toBeLessThan(0.001);
    expect(result.merges!.orderAgreement).toBeLessThan(0.05);
    expect(result.preTokenizerEqual).toBe(false);
    expect(result.encoding.sameSegmentation).toBeLessThanOrEqual(2);
  });

  it('names the base and counts the additions when ~1,200 tokens and merges are appended to Qwen2.5', async () => {
    const files = await realTokenizerFiles('qwen2.5');
    const base = await realTokenizer('qwen2.5');
    const edited = extendVocabulary(files.main, 1_200);
    const extended = createTokenizer('hf-json', { main: edited.bytes, config: files.config });

    for (const [result, baseSide] of [
      [compareTokenizers(base, extended, { labels: { a: 'original', b: 'extended' } }), 'a'],
      [compareTokenizers(extended, base, { labels: { a: 'extended', b: 'original' } }), 'b'],
    ] as const) {
      expect(result.verdict).toBe('derived');
      expect(result.base).toBe(baseSide);
      expect(result.delta).toMatchObject({
        vocabularyAdded: 1_200,
        vocabularyRemoved: 0,
        idsChanged: 0,
        mergesAdded: 1_200,
        mergesRemoved: 0,
      });
      expect(result.summary).toMatch(
        /^derived: extended is derived from original \(1,200 vocabulary tokens added; 1,200 merges added\)$/,
      );
    }
    // The new merges take effect: where the original splits a new token's text into its two parts, the extension emits one id.
    const used = edited.added.filter(({ text, parts }) => base.encode(text).join() === parts.join());
    expect(used.length).toBeGreaterThan(100);
    for (const { text } of used) expect(extended.encode(text)).toHaveLength(1);
  });

  it('finds a file identical to itself re-serialised with other key order and whitespace', async () => {
    const files = await realTokenizerFiles('qwen2.5');
    const original = await realTokenizer('qwen2.5');
    const copy: Tokenizer = createTokenizer('hf-json', { main: reserialise(files.main), config: files.config });
    expect(copy.contentHash).not.toBe(original.contentHash);

    const result = compareTokenizers(original, copy);
    expect(result.verdict).toBe('identical');
    expect(result.encoding.agreement).toBe(1);
    expect(result.changes).toEqual([]);
    expect(result.summary).toBe('identical: same vocabulary, merges and segmentation');
  });
});
