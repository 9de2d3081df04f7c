import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { get_encoding, type TiktokenEncoding } from 'tiktoken';
import { createTokenizer } from '../../../src/references/formats/index.js';
import { expandCompactRanks } from '../../../src/references/formats/js-tiktoken-ranks.js';
import { UserError } from '../../../src/util/errors.js';
import { TRICKY_STRINGS } from './tricky-strings.js';

const require = createRequire(import.meta.url);

/** The rank data OpenAI's own WASM binding ships, as JSON: { pat_str, special_tokens, bpe_ranks }. */
function wasmEncoderData(name: TiktokenEncoding): {
  pat_str: string;
  special_tokens: Record<string, number>;
  bpe_ranks: string;
} {
  return JSON.parse(readFileSync(require.resolve(`tiktoken/encoders/${name}.json`), 'utf8'));
}

/** Writes ranks the way OpenAI and Moonshot publish them: `<base64> <rank>` lines. */
function toTiktokenFile(ranks: (string | undefined)[]): Uint8Array {
  const lines: string[] = [];
  ranks.forEach((token, rank) => token !== undefined && lines.push(`${token} ${rank}`));
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

const enc = new TextEncoder();

describe('tiktoken rank files', () => {
  for (const name of ['o200k_base', 'cl100k_base'] as const) {
    it(`${name}: ids equal OpenAI's WASM tiktoken (encode_ordinary) on tricky strings`, () => {
      const data = wasmEncoderData(name);
      const file = toTiktokenFile(expandCompactRanks(data.bpe_ranks));
      // The pattern as OpenAI publishes it (Rust/Python syntax, with (?i:...)), not a JavaScript rewrite.
      const tokenizer = createTokenizer(
        'tiktoken',
        { main: file },
        { pattern: data.pat_str, specialTokens: data.special_tokens },
      );
      const reference = get_encoding(name);
      try {
        for (const text of TRICKY_STRINGS)
          expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(Array.from(reference.encode_ordinary(text)));
        const maxSpecial = Math.max(...Object.values(data.special_tokens));
        expect(tokenizer.vocabSize).toBe(maxSpecial + 1);
        expect(tokenizer.specialTokens.map((t) => t.content)).toContain('<|endoftext|>');
        for (const id of [0, 10, 1000, 50000, 100255]) {
          expect(Buffer.from(tokenizer.tokenBytes(id)!)).toEqual(Buffer.from(reference.decode_single_token_bytes(id)));
        }
      } finally {
        reference.free();
      }
    });
  }

  it("cl100k with OpenAI's current possessive-quantifier pattern matches the WASM encoder", () => {
    const data = wasmEncoderData('cl100k_base');
    const possessive =
      "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s";
    const tokenizer = createTokenizer(
      'tiktoken',
      { main: toTiktokenFile(expandCompactRanks(data.bpe_ranks)) },
      { pattern: possessive, specialTokens: data.special_tokens },
    );
    const reference = get_encoding('cl100k_base');
    try {
      for (const text of TRICKY_STRINGS)
        expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(Array.from(reference.encode_ordinary(text)));
    } finally {
      reference.free();
    }
  });

  it('treats special-token text as ordinary text, and renders tokens in the byte-level alphabet', () => {
    const data = wasmEncoderData('o200k_base');
    const tokenizer = createTokenizer(
      'tiktoken',
      { main: toTiktokenFile(expandCompactRanks(data.bpe_ranks)) },
      { pattern: data.pat_str, specialTokens: data.special_tokens },
    );
    expect(tokenizer.encode('<|endoftext|>')).not.toContain(199999);
    expect(tokenizer.tokenString(199999)).toBe('<|endoftext|>');
    expect(tokenizer.tokenString(tokenizer.encode(' hello')[0])).toBe('Ġhello');
    expect(new TextDecoder().decode(tokenizer.tokenBytes(199999))).toBe('<|endoftext|>');
    expect(tokenizer.tokenString(199998)).toBeUndefined();
  });

  it('handles rank gaps: ids come from the file, not from line order', () => {
    const ranks: (string | undefined)[] = [];
    for (let b = 0; b < 256; b++) ranks[b] = Buffer.of(b).toString('base64');
    ranks[300] = Buffer.from('ab').toString('base64');
    ranks[5000] = Buffer.from('abc').toString('base64');
    ranks[170000] = Buffer.from('abcd').toString('base64');
    const tokenizer = createTokenizer(
      'tiktoken',
      { main: toTiktokenFile(ranks) },
      { pattern: '\\p{L}+|\\s+|[^\\s\\p{L}]+', specialTokens: { '<|end|>': 170005 } },
    );
    expect(tokenizer.encode('abcd abc ab a')).toEqual([170000, 32, 5000, 32, 300, 32, 97]);
    expect(tokenizer.vocabSize).toBe(170006);
    expect(tokenizer.tokenBytes(170000)).toEqual(enc.encode('abcd'));
    expect(tokenizer.tokenString(1000)).toBeUndefined();
  });

  it('gives the same content hash for the same ranks however they are laid out', () => {
    const data = wasmEncoderData('cl100k_base');
    const ranks = expandCompactRanks(data.bpe_ranks);
    const settings = { pattern: data.pat_str, specialTokens: data.special_tokens };
    const a = createTokenizer('tiktoken', { main: toTiktokenFile(ranks) }, settings);
    const shuffled = enc.encode(
      new TextDecoder().decode(toTiktokenFile(ranks)).trim().split('\n').reverse().join('\r\n'),
    );
    const b = createTokenizer('tiktoken', { main: shuffled }, settings);
    expect(b.contentHash).toBe(a.contentHash);
  });

  describe('bad input', () => {
    const bytes = (): string[] => Array.from({ length: 256 }, (_, b) => `${Buffer.of(b).toString('base64')} ${b}`);
    const settings = { pattern: '\\S+|\\s+', specialTokens: {} };
    const load =
      (text: string, s: typeof settings | null = settings) =>
      () =>
        createTokenizer('tiktoken', { main: enc.encode(text) }, s ?? undefined);

    it('rejects a malformed line, naming the line', () => {
      expect(load([...bytes(), 'not-a-rank-line'].join('\n'))).toThrow(UserError);
      expect(load([...bytes(), 'YWI= twelve'].join('\n'))).toThrow(/line 257 is not "<base64 token> <rank>"/);
    });
    it('rejects a repeated rank', () =>
      expect(load([...bytes(), 'YWI= 3'].join('\n'))).toThrow(/rank 3 appears on lines 4 and 257/));
    it('rejects a repeated token', () => expect(load([...bytes(), 'YQ== 400'].join('\n'))).toThrow(/same token/));
    it('rejects an empty file', () => expect(load('')).toThrow(/has no ranks/));
    it('rejects a file missing single bytes (truncated)', () =>
      expect(load(bytes().slice(0, 100).join('\n'))).toThrow(/no rank for the single byte 0x64/));
    it('requires the manifest settings', () =>
      expect(load(bytes().join('\n'), null)).toThrow(/carries no split pattern/));
    it('rejects a pattern that does not compile', () =>
      expect(load(bytes().join('\n'), { pattern: '(unclosed', specialTokens: {} })).toThrow(
        /does not compile as a regular expression/,
      ));
    it('rejects a special token id that collides with a rank', () =>
      expect(load(bytes().join('\n'), { pattern: '\\S+', specialTokens: { '<|x|>': 5 } } as never)).toThrow(
        /reuses id 5/,
      ));
  });
});
