import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { TRICKY_STRINGS } from '../../src/references/class-corpus.js';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { createTokenizer } from '../../src/references/formats/index.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { committedEntries } from '../helpers/manifest-references.js';

// The Rust Hugging Face tokenizers library, through its Node binding: an encoder independent of ours.
const rust = createRequire(import.meta.url)('tokenizers') as {
  Tokenizer: {
    fromString(json: string): {
      encode(text: string, pair: null, options: { addSpecialTokens: boolean }): Promise<{ getIds(): number[] }>;
    };
  };
};

const SPECIAL_TOKEN_TEXT = [
  '<|endoftext|> <|im_start|>user\nhi<|im_end|>',
  '<s>[INST] hello [/INST]</s>',
  '<|begin_of_text|><|start_header_id|>system<|end_header_id|>',
  '<start_of_turn>user\nhi<end_of_turn>',
  '<｜begin▁of▁sentence｜><｜User｜>hi',
];

// Rust's Digits pre-tokenizer counts every numeric character (① ½ ² Ⅻ) as a digit; the JS libraries only 0-9.
const OTHER_NUMBER = /[\p{No}\p{Nl}]/u;

const entries = committedEntries().filter((entry) => entry.format === 'hf-json');

describe.each(entries.map((entry) => [entry.id, entry] as const))(
  'reference %s against the Rust tokenizers library',
  (_id, entry) => {
    it('encodes tricky strings and special-token text to the same ids', async () => {
      const files = await fetchReferenceFiles(entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() });
      const ours = createTokenizer(entry.format, files);
      const theirs = rust.Tokenizer.fromString(new TextDecoder().decode(files.main));
      const usesDigits = new TextDecoder().decode(files.main.subarray(0, 200_000)).includes('"Digits"');
      const strings = [...TRICKY_STRINGS, ...SPECIAL_TOKEN_TEXT].filter(
        (text) => !(usesDigits && OTHER_NUMBER.test(text)),
      );
      for (const text of strings) {
        const expected = (await theirs.encode(text, null, { addSpecialTokens: false })).getIds();
        expect(ours.encode(text), text).toEqual(expected);
      }
    });
  },
);

describe('token bytes', () => {
  it('spells the added whitespace-run tokens of a metaspace vocabulary as spaces', async () => {
    const entry = committedEntries().find((e) => e.id === 'gemma3')!;
    const gemma = createTokenizer(
      entry.format,
      await fetchReferenceFiles(entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() }),
    );
    const ids = gemma.encode('a   b');
    const bytes = ids.map((id) => Buffer.from(gemma.tokenBytes(id)!).toString());
    expect(bytes.join('')).toBe('a   b');
  });
});
