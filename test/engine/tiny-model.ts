import { createHash } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ggufTokenizerMetadata } from '../../src/references/formats/hf-to-gguf.js';
import type { GgufEntry } from '../../src/references/formats/gguf-write.js';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { committedEntry } from '../helpers/manifest-references.js';
import { writeGgufModel, type GgufTensor } from './gguf-tensors.js';

/** ChatML as the Yi chat models' tokenizer_config.json has it; the base vocabulary's own config carries no template. */
const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * How each reference used here becomes a GGUF: byte-level BPE needs the `tokenizer.ggml.pre` llama.cpp's converter
 * would pick; SentencePiece-style BPE (Yi) needs none, and a reference without a chat template gets its chat
 * models' one.
 */
export const TINY_MODELS = {
  'qwen2.5': { pre: 'qwen2' },
  llama3: { pre: 'llama-bpe' },
  'deepseek-v3': { pre: 'deepseek-v3' },
  yi: { chatTemplate: CHATML_TEMPLATE },
} as const satisfies Record<string, { pre?: string; chatTemplate?: string }>;

export type TinyModelReference = keyof typeof TINY_MODELS;

/** Small enough to build in about a second and run on two cores; the vocabulary is the reference's own. */
const SHAPE = { embd: 64, layers: 2, heads: 4, headsKv: 2, ff: 128, context: 4096 } as const;
/** Bump when the layout of the built file changes, so cached copies are rebuilt. */
const BUILDER_VERSION = 1;

/** mulberry32: a seeded generator, so the same inputs always give the same weights. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(next: () => number, count: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() * 2 - 1) * scale;
  return out;
}

/**
 * Tensors of a llama-architecture model with seeded random weights. There is no `output.weight`: llama.cpp then
 * ties the output to the token embedding, which halves the file.
 */
function tensors(vocabSize: number, seed: number): GgufTensor[] {
  const next = random(seed);
  const { embd, layers, heads, headsKv, ff } = SHAPE;
  const kv = (embd / heads) * headsKv;
  const ones = (n: number) => new Float32Array(n).fill(1);
  const matrix = (name: string, cols: number, rows: number, type: 'f32' | 'f16' = 'f32'): GgufTensor => ({
    name,
    dims: [cols, rows],
    type,
    data: uniform(next, cols * rows, 1 / Math.sqrt(cols)),
  });
  const out: GgufTensor[] = [
    matrix('token_embd.weight', embd, vocabSize, 'f16'),
    { name: 'output_norm.weight', dims: [embd], type: 'f32', data: ones(embd) },
  ];
  for (let i = 0; i < layers; i++) {
    out.push(
      { name: `blk.${i}.attn_norm.weight`, dims: [embd], type: 'f32', data: ones(embd) },
      matrix(`blk.${i}.attn_q.weight`, embd, embd),
      matrix(`blk.${i}.attn_k.weight`, embd, kv),
      matrix(`blk.${i}.attn_v.weight`, embd, kv),
      matrix(`blk.${i}.attn_output.weight`, embd, embd),
      { name: `blk.${i}.ffn_norm.weight`, dims: [embd], type: 'f32', data: ones(embd) },
      matrix(`blk.${i}.ffn_gate.weight`, embd, ff),
      matrix(`blk.${i}.ffn_up.weight`, embd, ff),
      matrix(`blk.${i}.ffn_down.weight`, ff, embd),
    );
  }
  return out;
}

function architecture(): Record<string, GgufEntry> {
  const { embd, layers, heads, headsKv, ff, context } = SHAPE;
  return {
    'llama.context_length': { type: 'u32', value: context },
    'llama.embedding_length': { type: 'u32', value: embd },
    'llama.block_count': { type: 'u32', value: layers },
    'llama.feed_forward_length': { type: 'u32', value: ff },
    'llama.attention.head_count': { type: 'u32', value: heads },
    'llama.attention.head_count_kv': { type: 'u32', value: headsKv },
    'llama.rope.dimension_count': { type: 'u32', value: embd / heads },
    'llama.rope.freq_base': { type: 'f32', value: 10000 },
    'llama.attention.layer_norm_rms_epsilon': { type: 'f32', value: 1e-5 },
    'general.file_type': { type: 'u32', value: 1 },
  };
}

/**
 * The GGUF file's bytes: the reference's tokenizer and chat template (or `chatTemplate` where it has none) converted
 * by the project's converter, random weights.
 */
export function buildTinyModel(
  tokenizerJson: Uint8Array,
  tokenizerConfig: Uint8Array,
  pre: string | undefined,
  name: string,
  seed: number,
  chatTemplate?: string,
): Uint8Array {
  const json = JSON.parse(new TextDecoder().decode(tokenizerJson));
  const config = JSON.parse(new TextDecoder().decode(tokenizerConfig));
  config.chat_template ??= chatTemplate;
  const metadata = { ...ggufTokenizerMetadata(json, config, { pre, architecture: 'llama', name }), ...architecture() };
  // As llama.cpp's converter does: only when tokenizer_config.json states it; otherwise llama.cpp's per-`pre` default holds.
  if (typeof config.add_bos_token === 'boolean')
    metadata['tokenizer.ggml.add_bos_token'] = { type: 'bool', value: config.add_bos_token };
  const tokens = metadata['tokenizer.ggml.tokens'];
  if (tokens.type !== 'string[]') throw new Error('converted metadata has no token list');
  return writeGgufModel(metadata, tensors(tokens.value.length, seed));
}

/**
 * Path of the tiny model for a committed reference, built once and kept in the tokprint cache under the sha256 of
 * everything it is built from (the reference's pinned files, `pre`, shape, seed, builder version).
 */
export async function tinyModelPath(reference: TinyModelReference, seed = 1): Promise<string> {
  const entry = committedEntry(reference);
  const { pre, chatTemplate }: { pre?: string; chatTemplate?: string } = TINY_MODELS[reference];
  const files = entry.source.files as unknown as Record<string, { sha256: string } | undefined>;
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        BUILDER_VERSION,
        main: files.main?.sha256,
        config: files.config?.sha256,
        pre,
        chatTemplate,
        SHAPE,
        seed,
      }),
    )
    .digest('hex');
  const dir = join(cacheDir(), 'tiny-gguf');
  const path = join(dir, `${reference}-${key.slice(0, 16)}.gguf`);
  if (
    await stat(path).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    return path;
  const { main, config } = await fetchReferenceFiles(entry, { cacheRoot: cacheDir() });
  if (!config) throw new Error(`reference ${reference} has no tokenizer_config.json, so no chat template`);
  const bytes = buildTinyModel(main, config, pre, `tiny-${reference}`, seed, chatTemplate);
  await mkdir(dir, { recursive: true });
  // Test files build in parallel processes: write aside, then rename into place atomically.
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
  return path;
}
