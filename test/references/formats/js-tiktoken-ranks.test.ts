import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { getEncoding } from 'js-tiktoken';
import { get_encoding } from 'tiktoken';
import { createTokenizer } from '../../../src/references/formats/index.js';
import { UserError } from '../../../src/util/errors.js';
import { TRICKY_STRINGS } from './tricky-strings.js';

const require = createRequire(import.meta.url);
const rankModule = (name: string, ext = 'js'): Uint8Array =>
  readFileSync(require.resolve(`js-tiktoken/ranks/${name}`).replace(/\.c?js$/, `.${ext}`));

describe('js-tiktoken rank modules', () => {
  for (const name of ['gpt2', 'r50k_base', 'p50k_base', 'cl100k_base', 'o200k_base'] as const) {
    it(`${name}: ids equal OpenAI's WASM tiktoken and js-tiktoken's own encoder on tricky strings`, () => {
      const tokenizer = createTokenizer('js-tiktoken-ranks', { main: rankModule(name) });
      const wasm = get_encoding(name);
      const own = getEncoding(name);
      try {
        for (const text of TRICKY_STRINGS) {
          const ids = tokenizer.encode(text);
          expect(ids, JSON.stringify(text)).toEqual(Array.from(wasm.encode_ordinary(text)));
          expect(ids, JSON.stringify(text)).toEqual(own.encode(text, [], []));
        }
        const data = JSON.parse(readFileSync(require.resolve(`tiktoken/encoders/${name}.json`), 'utf8'));
        expect(Object.fromEntries(tokenizer.specialTokens.map((t) => [t.content, t.id]))).toEqual(data.special_tokens);
        expect(tokenizer.vocabSize).toBe(
          data.explicit_n_vocab ?? Math.max(...Object.values(data.special_tokens as Record<string, number>)) + 1,
        );
        for (const id of [0, 256, 1000, 30000, 50255]) {
          expect(Buffer.from(tokenizer.tokenBytes(id)!)).toEqual(Buffer.from(wasm.decode_single_token_bytes(id)));
        }
      } finally {
        wasm.free();
      }
    });
  }

  it('reads the CommonJS build the same as the ES module build', () => {
    const esm = createTokenizer('js-tiktoken-ranks', { main: rankModule('cl100k_base', 'js') });
    const cjs = createTokenizer('js-tiktoken-ranks', { main: rankModule('cl100k_base', 'cjs') });
    expect(cjs.contentHash).toBe(esm.contentHash);
    expect(cjs.vocabSize).toBe(100277);
  });

  it('never executes the module: code in place of data is rejected', () => {
    const code = new TextEncoder().encode('export default (() => { throw new Error("ran") })();');
    expect(() => createTokenizer('js-tiktoken-ranks', { main: code })).toThrow(UserError);
    const call = new TextEncoder().encode(
      'export default {"pat_str": String.raw`x`, "special_tokens": {}, "bpe_ranks": ""};',
    );
    expect(() => createTokenizer('js-tiktoken-ranks', { main: call })).toThrow(/not plain JSON/);
  });

  it('rejects a truncated module and a wrong file', () => {
    const whole = rankModule('gpt2');
    expect(() => createTokenizer('js-tiktoken-ranks', { main: whole.subarray(0, whole.length / 2) })).toThrow(
      UserError,
    );
    expect(() => createTokenizer('js-tiktoken-ranks', { main: new TextEncoder().encode('{"a": 1}') })).toThrow(
      /expected "export default/,
    );
    const mangled = new TextEncoder().encode(
      'export default {"pat_str":"\\\\S+","special_tokens":{},"bpe_ranks":"! x QQ=="}',
    );
    expect(() => createTokenizer('js-tiktoken-ranks', { main: mangled })).toThrow(/bpe_ranks line 1/);
  });
});
