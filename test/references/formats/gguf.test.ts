import { describe, expect, it } from 'vitest';
import { gguf } from '@huggingface/gguf';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { createTokenizer } from '../../../src/references/formats/index.js';
import { readGgufMetadata } from '../../../src/references/formats/gguf-read.js';
import { writeGguf } from '../../../src/references/formats/gguf-write.js';
import { ggufTokenizerMetadata } from '../../../src/references/formats/hf-to-gguf.js';
import { fetchReferenceFiles } from '../../../src/references/load-reference.js';
import { cacheDir } from '../../../src/references/store/cache-dir.js';
import { UserError } from '../../../src/util/errors.js';
import { committedEntry } from '../../helpers/manifest-references.js';
import { TRICKY_STRINGS } from './tricky-strings.js';

const cacheRoot = process.env.TOKPRINT_CACHE ?? cacheDir();
const decoder = new TextDecoder();

async function referenceFiles(id: string): Promise<{ json: string; config: Record<string, unknown> }> {
  const files = await fetchReferenceFiles(committedEntry(id), { cacheRoot });
  return { json: decoder.decode(files.main), config: files.config ? JSON.parse(decoder.decode(files.config)) : {} };
}

async function rustIds(rust: RustTokenizer, text: string): Promise<number[]> {
  return (await rust.encode(text, null, { addSpecialTokens: false })).getIds();
}

// Real tokenizer.json files, converted to GGUF metadata as llama.cpp's converter lays it out, written, read back.
const CASES = [
  { id: 'qwen2.5', pre: 'qwen2' },
  { id: 'deepseek-v3', pre: 'deepseek-v3' },
  { id: 'llama3', pre: 'llama-bpe' },
  { id: 'mistral-nemo', pre: 'tekken' },
  { id: 'mistral-v1', pre: undefined },
] as const;

describe('GGUF tokenizers', () => {
  for (const { id, pre } of CASES) {
    it(`${id}${pre ? ` (pre ${pre})` : ' (SentencePiece)'}: ids after a GGUF round trip equal the Rust tokenizers library on the tokenizer.json`, async () => {
      const { json, config } = await referenceFiles(id);
      const file = writeGguf(ggufTokenizerMetadata(JSON.parse(json), config, { pre, name: id }));
      const tokenizer = createTokenizer('gguf', { main: file });
      const rust = RustTokenizer.fromString(json);
      for (const text of TRICKY_STRINGS)
        expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(await rustIds(rust, text));
      expect(tokenizer.vocabSize).toBe(rust.getVocabSize(true));
      expect(tokenizer.format).toBe('gguf');
      if (typeof config.chat_template === 'string') expect(tokenizer.chatTemplate).toBe(config.chat_template);
    });
  }

  it("the pre-tokenizer name matters: Qwen2.5 under GPT-2's split regex encodes differently", async () => {
    const { json, config } = await referenceFiles('qwen2.5');
    const wrong = createTokenizer('gguf', {
      main: writeGguf(ggufTokenizerMetadata(JSON.parse(json), config, { pre: 'gpt-2' })),
    });
    const rust = RustTokenizer.fromString(json);
    const text = 'f(x) = "(hello)"\n\n\tworld';
    expect(wrong.encode(text)).not.toEqual(await rustIds(rust, text));
  });

  it('reads metadata the same as @huggingface/gguf’s own parser', async () => {
    const { json, config } = await referenceFiles('mistral-v1');
    const file = writeGguf(ggufTokenizerMetadata(JSON.parse(json), config, { name: 'mistral-v1' }));
    const serve: typeof fetch = async (_url, init) => {
      const range = /bytes=(\d+)-(\d+)/.exec(new Headers(init?.headers).get('Range') ?? '');
      const [start, end] = range ? [Number(range[1]), Math.min(Number(range[2]) + 1, file.length)] : [0, file.length];
      return new Response(file.slice(start, end), {
        status: 206,
        headers: { 'Content-Range': `bytes ${start}-${end - 1}/${file.length}` },
      });
    };
    const theirs = (await gguf('https://gguf.invalid/model.gguf', { fetch: serve })).metadata as Record<
      string,
      unknown
    >;
    const ours = readGgufMetadata(file);
    for (const key of [
      'general.architecture',
      'tokenizer.ggml.model',
      'tokenizer.ggml.token_type',
      'tokenizer.ggml.scores',
      'tokenizer.ggml.bos_token_id',
    ]) {
      expect(ours.get(key), key).toEqual(theirs[key]);
    }
    // @huggingface/gguf decodes strings with TextDecoder's default, which drops a leading U+FEFF; llama.cpp and this
    // reader keep it, so the vocabulary's U+FEFF token reads as itself, as in the tokenizer.json
    const tokens = ours.get('tokenizer.ggml.tokens') as string[];
    expect(tokens.map((token) => token.replace(/^\ufeff/, ''))).toEqual(theirs['tokenizer.ggml.tokens']);
    const vocab = JSON.parse(json).model.vocab as Record<string, number>;
    expect(tokens[vocab['\ufeff']]).toBe('\ufeff');
    expect(ours.size).toBe(Number(theirs.kv_count));
  });

  it('keeps control tokens as special and matches them in text, as the tokenizer.json does', async () => {
    const { json, config } = await referenceFiles('qwen2.5');
    const tokenizer = createTokenizer('gguf', {
      main: writeGguf(ggufTokenizerMetadata(JSON.parse(json), config, { pre: 'qwen2' })),
    });
    const imEnd = tokenizer.specialTokens.find((t) => t.content === '<|im_end|>');
    expect(imEnd?.id).toBe(151645);
    expect(tokenizer.encode('hi<|im_end|>')).toContain(151645);
    expect(tokenizer.tokenString(tokenizer.encode(' hello')[0])).toBe('Ġhello');
  });

  describe('bad input', () => {
    const minimal = (extra: Record<string, Parameters<typeof writeGguf>[0][string]> = {}) =>
      writeGguf({ 'general.architecture': { type: 'string', value: 'llama' }, ...extra });

    it('rejects a file without the GGUF magic', () => {
      expect(() => createTokenizer('gguf', { main: new TextEncoder().encode('{"model": {}}') })).toThrow(
        /GGUF magic bytes/,
      );
    });
    it('rejects a truncated file', () => {
      const file = minimal({
        'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
        'tokenizer.ggml.tokens': { type: 'string[]', value: ['a', 'b', 'ab'] },
      });
      expect(() => createTokenizer('gguf', { main: file.subarray(0, file.length - 40) })).toThrow(/is truncated/);
    });
    it('rejects a model file without a tokenizer', () => {
      expect(() => createTokenizer('gguf', { main: minimal() })).toThrow(/no tokenizer.ggml.model/);
    });
    it('rejects an unknown pre-tokenizer name instead of guessing', () => {
      const file = minimal({
        'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
        'tokenizer.ggml.pre': { type: 'string', value: 'no-such-pre' },
        'tokenizer.ggml.tokens': { type: 'string[]', value: ['a', 'b', 'ab'] },
        'tokenizer.ggml.merges': { type: 'string[]', value: ['a b'] },
      });
      expect(() => createTokenizer('gguf', { main: file })).toThrow(UserError);
      expect(() => createTokenizer('gguf', { main: file })).toThrow(/"no-such-pre"/);
    });
    it('rejects token types that do not match the token count', () => {
      const file = minimal({
        'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
        'tokenizer.ggml.tokens': { type: 'string[]', value: ['a', 'b', 'ab'] },
        'tokenizer.ggml.token_type': { type: 'i32[]', value: [1, 1] },
        'tokenizer.ggml.merges': { type: 'string[]', value: ['a b'] },
      });
      expect(() => createTokenizer('gguf', { main: file })).toThrow(/one number per token/);
    });
  });
});
