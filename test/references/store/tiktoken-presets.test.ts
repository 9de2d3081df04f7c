import { describe, expect, it } from 'vitest';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { TIKTOKEN_PRESETS, tiktokenSettings } from '../../../src/references/store/tiktoken-presets.js';
import { compileSplitPattern, splitPieces } from '../../../src/references/formats/split-pattern.js';
import { tiktokenRanks } from '../../helpers/tiktoken-fixture.js';

describe('tiktoken presets', () => {
  it('match the patterns and special tokens js-tiktoken ships for cl100k and o200k', () => {
    expect(TIKTOKEN_PRESETS.cl100k).toMatchObject({ pattern: cl100k.pat_str, specialTokens: cl100k.special_tokens });
    expect(TIKTOKEN_PRESETS.o200k).toMatchObject({ pattern: o200k.pat_str, specialTokens: o200k.special_tokens });
  });

  it("keeps Kimi K2's published pattern, which keeps Han runs apart from other letters and contractions on their word", () => {
    const split = compileSplitPattern(TIKTOKEN_PRESETS['kimi-k2'].pattern);
    expect(splitPieces(split, "Hello世界abc It's")).toEqual(['Hello', '世界', 'abc', " It's"]);
  });

  it('names special tokens from tokenizer_config.json over the preset, and an explicit pattern over the preset', () => {
    const config = new TextEncoder().encode(
      JSON.stringify({ added_tokens_decoder: { '100257': { content: '<|eot|>' } } }),
    );
    const settings = tiktokenSettings({ preset: 'cl100k', pattern: '\\S+', ranks: tiktokenRanks(), config });
    expect(settings.pattern).toBe('\\S+');
    expect(settings.specialTokens['<|eot|>']).toBe(100257);
    expect(settings.specialTokens['<|endoftext|>']).toBeUndefined();
  });
});
