import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGgufMetadata } from '../../src/references/formats/gguf-read.js';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { committedEntry, committedTokenizer } from '../helpers/manifest-references.js';
import { toHalf, writeGgufModel } from './gguf-tensors.js';
import { loadLlamaEngine, type LlamaEngine } from './llama-engine.js';
import { buildTinyModel, tinyModelPath } from './tiny-model.js';

describe('GGUF tensor writing', () => {
  it('converts to half precision with rounding, subnormals and overflow', () => {
    expect([1, -2, 0.5, 65504, 1e6, 2 ** -24, 2 ** -26, 0].map(toHalf)).toEqual([
      0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00, 0x0001, 0x0000, 0x0000,
    ]);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('keeps the metadata readable by the project reader and aligns tensor data', () => {
    const bytes = writeGgufModel(
      { 'general.architecture': { type: 'string', value: 'llama' }, 'general.name': { type: 'string', value: 'x' } },
      [
        { name: 'a', dims: [3], type: 'f32', data: Float32Array.of(1, 2, 3) },
        { name: 'b', dims: [2, 2], type: 'f16', data: Float32Array.of(1, -2, 0.5, 0) },
      ],
    );
    expect(Object.fromEntries(readGgufMetadata(bytes))).toEqual({
      'general.architecture': 'llama',
      'general.name': 'x',
    });
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getBigUint64(8, true)).toBe(2n);
    expect(bytes.length % 32).toBe(0);
    expect(view.getFloat32(bytes.length - 64, true)).toBe(1);
    expect(view.getUint16(bytes.length - 32, true)).toBe(0x3c00);
  });
});

describe('the tiny Qwen2.5 model', () => {
  let engine: LlamaEngine;
  beforeAll(async () => {
    engine = await loadLlamaEngine(await tinyModelPath('qwen2.5'));
  });
  afterAll(async () => engine?.dispose());

  it('is built once and then read from the cache', async () => {
    const first = await tinyModelPath('qwen2.5');
    const before = (await stat(first)).mtimeMs;
    expect(await tinyModelPath('qwen2.5')).toBe(first);
    expect((await stat(first)).mtimeMs).toBe(before);
    expect(first.startsWith(cacheDir())).toBe(true);
  });

  it('loads in llama.cpp with the reference vocabulary and chat template', async () => {
    const { model } = engine;
    const reference = await committedTokenizer('qwen2.5');
    const files = await fetchReferenceFiles(committedEntry('qwen2.5'), { cacheRoot: cacheDir() });
    const config = JSON.parse(new TextDecoder().decode(files.config));
    expect(model.fileInfo.metadata.general.architecture).toBe('llama');
    expect(model.embeddingVectorSize).toBe(64);
    expect(model.vocabularyType).toBe('bpe');
    expect(model.fileInfo.metadata.tokenizer.ggml.tokens.length).toBe(reference.vocabSize);
    expect(model.fileInfo.metadata.tokenizer.chat_template).toBe(config.chat_template);
    expect(model.tokens.eos).toBe(reference.specialTokens.find((t) => t.content === '<|im_end|>')?.id);
  });

  it('generates the same tokens from the same prompt', async () => {
    const run = async () => {
      const sequence = engine.context.getSequence();
      const out: number[] = [];
      for await (const token of sequence.evaluate(engine.model.tokenize('<|im_start|>user\nhi<|im_end|>\n', true), {
        temperature: 0,
      })) {
        out.push(token);
        if (out.length === 6) break;
      }
      sequence.dispose();
      return out;
    };
    expect(await run()).toEqual(await run());
  });

  it('is the same file from the same inputs and seed', () => {
    const json = new TextEncoder().encode(
      JSON.stringify({ model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'] }, added_tokens: [] }),
    );
    const config = new TextEncoder().encode(JSON.stringify({ chat_template: '{{ messages[0].content }}' }));
    const hash = (seed: number) =>
      createHash('sha256')
        .update(buildTinyModel(json, config, 'qwen2', 'x', seed))
        .digest('hex');
    expect(hash(1)).toBe(hash(1));
    expect(hash(2)).not.toBe(hash(1));
  });
});
