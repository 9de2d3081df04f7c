import { describe, expect, it } from 'vitest';
import { compileSplitPattern, splitPieces } from '../../../src/references/formats/split-pattern.js';
import { TIKTOKEN_PRESETS } from '../../../src/references/store/tiktoken-presets.js';
import { UserError } from '../../../src/util/errors.js';

// Kimi K2's split pattern as Moonshot publishes it for Python's `regex` module: bare \p{Han}, class intersection, (?i:...).
const KIMI = TIKTOKEN_PRESETS['kimi-k2'].pattern;

describe('split patterns written for Python/Rust regex engines', () => {
  it('compiles Kimi K2’s pattern with Han kept apart from other letters', () => {
    const regex = compileSplitPattern(KIMI);
    expect(splitPieces(regex, "你好World'S テスト1234")).toEqual(['你好', "World'S", ' テスト', '123', '4']);
    expect(splitPieces(regex, '漢字かな')).toEqual(['漢字', 'かな']);
  });

  it('expands (?i:...) groups to both cases', () => {
    const regex = compileSplitPattern("(?i:'s|'ll)|\\p{L}+|\\s+");
    expect(splitPieces(regex, "IT'S WE'LL it's")).toEqual(['IT', "'S", ' ', 'WE', "'LL", ' ', 'it', "'s"]);
  });

  it('drops possessive markers but keeps a literal plus', () => {
    const regex = compileSplitPattern('\\p{N}{1,3}+|\\p{L}++|\\++|\\s++');
    expect(splitPieces(regex, 'ab 12345 +++')).toEqual(['ab', ' ', '123', '45', ' ', '+++']);
  });

  it('passes JavaScript patterns through unchanged', () => {
    const source = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    expect(compileSplitPattern(source).source).toBe(new RegExp(source, 'gu').source);
  });

  it('throws a UserError for a pattern that cannot compile', () => {
    expect(() => compileSplitPattern('[unclosed')).toThrow(UserError);
  });
});
