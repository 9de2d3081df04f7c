import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { safetensorsHeader } from '../../src/lineage/weights/safetensors-write.js';
import { seededRng } from '../../src/util/rng.js';
import { toHalf } from '../engine/gguf-tensors.js';
import { writeGgufHeader } from '../../src/references/formats/gguf-write.js';
import { GGML_TYPE_IDS, type QuantType, quantize, toBf16 } from './ggml-quantize.js';

/**
 * Tiny Llama-style transformers built by the tests, never downloaded: a seeded random base and copies derived
 * from it the ways lineage must see through (fine-tunes, merges, vocabulary extension, quantization, hidden-unit
 * permutation and rescaling), plus independently initialised models of the same shape. Tensors use the
 * Hugging Face names; the GGUF writer maps them to llama.cpp's.
 */
export interface TinyShape {
  vocab: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  layers: number;
  intermediate: number;
}

export const TINY_SHAPE: TinyShape = { vocab: 640, hidden: 256, heads: 4, kvHeads: 2, layers: 3, intermediate: 256 };

export interface TinyModel {
  shape: TinyShape;
  /** Row-major values by Hugging Face tensor name; shapes from `tensorShape`. */
  tensors: Map<string, Float32Array>;
  /** Token strings by id (the vocabulary keys weight lineage matches rows by). */
  tokens: string[];
}

const headDim = (s: TinyShape) => s.hidden / s.heads;

export function tensorShape(name: string, s: TinyShape, vocab = s.vocab): number[] {
  if (name === 'model.embed_tokens.weight') return [vocab, s.hidden];
  if (name.endsWith('norm.weight')) return [s.hidden];
  if (name.endsWith('q_proj.weight')) return [s.hidden, s.hidden];
  if (name.endsWith('k_proj.weight') || name.endsWith('v_proj.weight')) return [s.kvHeads * headDim(s), s.hidden];
  if (name.endsWith('o_proj.weight')) return [s.hidden, s.hidden];
  if (name.endsWith('down_proj.weight')) return [s.hidden, s.intermediate];
  return [s.intermediate, s.hidden];
}

function layerNames(i: number): string[] {
  const p = `model.layers.${i}`;
  return [
    `${p}.input_layernorm.weight`,
    `${p}.self_attn.q_proj.weight`,
    `${p}.self_attn.k_proj.weight`,
    `${p}.self_attn.v_proj.weight`,
    `${p}.self_attn.o_proj.weight`,
    `${p}.post_attention_layernorm.weight`,
    `${p}.mlp.gate_proj.weight`,
    `${p}.mlp.up_proj.weight`,
    `${p}.mlp.down_proj.weight`,
  ];
}

function gaussian(rng: ReturnType<typeof seededRng>): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

export function baseTokens(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `tok${i}`);
}

/** A seeded random model: N(0, 1/hidden) matrices, norm gains 1 ± 0.2 so that folding a scale into them shows. */
export function randomModel(seed: number, shape: TinyShape = TINY_SHAPE): TinyModel {
  const rng = seededRng(seed);
  const tensors = new Map<string, Float32Array>();
  const names = [
    'model.embed_tokens.weight',
    ...Array.from({ length: shape.layers }, (_, i) => layerNames(i)).flat(),
    'model.norm.weight',
  ];
  for (const name of names) {
    const size = tensorShape(name, shape).reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    const std = 1 / Math.sqrt(shape.hidden);
    for (let i = 0; i < size; i++)
      values[i] = name.endsWith('norm.weight') ? 1 + 0.2 * (2 * rng.next() - 1) : std * gaussian(rng);
    tensors.set(name, values);
  }
  return { shape, tensors, tokens: baseTokens(shape.vocab) };
}

function clone(model: TinyModel): TinyModel {
  return {
    shape: { ...model.shape },
    tensors: new Map([...model.tensors].map(([k, v]) => [k, Float32Array.from(v)])),
    tokens: [...model.tokens],
  };
}

function std(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v * v;
  return Math.sqrt(sum / values.length);
}

/** A fine-tune as dense noise: every matrix moves by `relative` of its own scale (0.3 is a far larger step than a fine-tune's). */
export function fineTuned(model: TinyModel, seed: number, relative = 0.3): TinyModel {
  const rng = seededRng(seed);
  const out = clone(model);
  for (const [name, values] of out.tensors) {
    if (name.endsWith('norm.weight')) continue;
    const s = relative * std(values);
    for (let i = 0; i < values.length; i++) values[i] += s * gaussian(rng);
  }
  return out;
}

/** A merge of low-rank adapters (LoRA) into every attention and MLP matrix: W += B·A of rank `rank`. */
export function loraMerged(model: TinyModel, seed: number, rank = 8, relative = 0.5): TinyModel {
  const rng = seededRng(seed);
  const out = clone(model);
  for (const [name, values] of out.tensors) {
    if (!name.includes('_proj')) continue;
    const [rows, cols] = tensorShape(name, out.shape);
    const b = Array.from({ length: rows * rank }, () => gaussian(rng));
    const a = Array.from({ length: rank * cols }, () => gaussian(rng));
    const scale = (relative * std(values)) / Math.sqrt(rank);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        let sum = 0;
        for (let k = 0; k < rank; k++) sum += b[r * rank + k] * a[k * cols + c];
        values[r * cols + c] += scale * sum;
      }
  }
  return out;
}

/** Continued pre-training with a vocabulary extension: `extra` new rows appended, everything trained on a bit. */
export function vocabularyExtended(model: TinyModel, seed: number, extra = 128): TinyModel {
  const out = fineTuned(model, seed, 0.2);
  const rng = seededRng(seed + 1);
  const old = out.tensors.get('model.embed_tokens.weight')!;
  const grown = new Float32Array(old.length + extra * out.shape.hidden);
  grown.set(old);
  for (let i = old.length; i < grown.length; i++) grown[i] = gaussian(rng) / Math.sqrt(out.shape.hidden);
  out.tensors.set('model.embed_tokens.weight', grown);
  out.shape = { ...out.shape, vocab: out.shape.vocab + extra };
  out.tokens = [...out.tokens, ...Array.from({ length: extra }, (_, i) => `added${i}`)];
  return out;
}

/**
 * The usual evasion, function kept: the residual stream's units permuted (columns of every matrix reading it, rows
 * of every matrix writing it, the norm gains), scales moved from the norm gains into the matrices after them,
 * q rows scaled against k rows and v rows against o columns per head dimension, and key/value groups reordered.
 */
export function permutedAndRescaled(model: TinyModel, seed: number): TinyModel {
  const rng = seededRng(seed);
  const out = clone(model);
  const s = out.shape;
  const d = headDim(s);
  const perm = rng.shuffle(Array.from({ length: s.hidden }, (_, i) => i));
  const fold = Array.from({ length: s.hidden }, () => 0.5 + rng.next() * 1.5);
  const groups = rng.shuffle(Array.from({ length: s.kvHeads }, (_, i) => i));
  const perGroup = s.heads / s.kvHeads;
  const qHead = (h: number) => groups[Math.floor(h / perGroup)] * perGroup + (h % perGroup);
  const qkScale = Array.from({ length: s.kvHeads * d }, () => 0.5 + rng.next() * 1.5);
  const voScale = Array.from({ length: s.kvHeads * d }, () => 0.5 + rng.next() * 1.5);
  const map = (name: string, f: (src: Float32Array, rows: number, cols: number) => Float32Array) => {
    const [rows, cols = 1] = tensorShape(name, s);
    out.tensors.set(name, f(out.tensors.get(name)!, rows, cols));
  };
  const permuteCols = (src: Float32Array, rows: number, cols: number, scale?: number[]) => {
    const dst = new Float32Array(src.length);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) dst[r * cols + c] = src[r * cols + perm[c]] * (scale ? scale[perm[c]] : 1);
    return dst;
  };
  const permuteRows = (
    src: Float32Array,
    rows: number,
    cols: number,
    rowOf: (r: number) => number,
    rowScale: (r: number) => number,
  ) => {
    const dst = new Float32Array(src.length);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) dst[r * cols + c] = src[rowOf(r) * cols + c] * rowScale(r);
    return dst;
  };
  map('model.embed_tokens.weight', (src, rows, cols) => permuteCols(src, rows, cols));
  const gainFold = (src: Float32Array) => Float32Array.from(perm, (p) => src[p] / fold[p]);
  const unfold = fold;
  for (let i = 0; i < s.layers; i++) {
    const p = `model.layers.${i}`;
    map(`${p}.input_layernorm.weight`, gainFold);
    map(`${p}.post_attention_layernorm.weight`, gainFold);
    // q: heads reordered with their kv group, each row scaled by its kv dimension's factor; k, v: groups reordered
    map(`${p}.self_attn.q_proj.weight`, (src, rows, cols) => {
      const inner = permuteCols(src, rows, cols, unfold);
      return permuteRows(
        inner,
        rows,
        cols,
        (r) => qHead(Math.floor(r / d)) * d + (r % d),
        (r) => qkScale[Math.floor(r / d / perGroup) * d + (r % d)],
      );
    });
    map(`${p}.self_attn.k_proj.weight`, (src, rows, cols) => {
      const inner = permuteCols(src, rows, cols, unfold);
      return permuteRows(
        inner,
        rows,
        cols,
        (r) => groups[Math.floor(r / d)] * d + (r % d),
        (r) => 1 / qkScale[r],
      );
    });
    map(`${p}.self_attn.v_proj.weight`, (src, rows, cols) => {
      const inner = permuteCols(src, rows, cols, unfold);
      return permuteRows(
        inner,
        rows,
        cols,
        (r) => groups[Math.floor(r / d)] * d + (r % d),
        (r) => voScale[r],
      );
    });
    map(`${p}.self_attn.o_proj.weight`, (src, rows, cols) => {
      const dst = new Float32Array(src.length);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const h = Math.floor(c / d);
          const group = Math.floor(h / perGroup);
          dst[r * cols + c] = src[perm[r] * cols + qHead(h) * d + (c % d)] / voScale[group * d + (c % d)];
        }
      return dst;
    });
    map(`${p}.mlp.gate_proj.weight`, (src, rows, cols) => permuteCols(src, rows, cols, unfold));
    map(`${p}.mlp.up_proj.weight`, (src, rows, cols) => permuteCols(src, rows, cols, unfold));
    map(`${p}.mlp.down_proj.weight`, (src, rows, cols) =>
      permuteRows(
        src,
        rows,
        cols,
        (r) => perm[r],
        () => 1,
      ),
    );
  }
  map('model.norm.weight', (src) => Float32Array.from(perm, (p) => src[p]));
  return out;
}

export type FloatType = 'F32' | 'F16' | 'BF16';

function encode(values: Float32Array, type: FloatType): Uint8Array {
  if (type === 'F32')
    return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++)
    view.setUint16(2 * i, type === 'F16' ? toHalf(values[i]) : toBf16(values[i]), true);
  return out;
}

function configJson(s: TinyShape, vocab: number): string {
  return JSON.stringify({
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: s.hidden,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    num_hidden_layers: s.layers,
    intermediate_size: s.intermediate,
    vocab_size: vocab,
  });
}

/** A safetensors file's bytes for the given tensors of `model`. */
function safetensorsFile(model: TinyModel, names: string[], type: FloatType): Uint8Array {
  const vocab = model.tensors.get('model.embed_tokens.weight')!.length / model.shape.hidden;
  const entries = names.map((name) => ({ name, dtype: type, shape: tensorShape(name, model.shape, vocab) }));
  const { header, offsets, size } = safetensorsHeader(entries);
  const out = new Uint8Array(size);
  out.set(header);
  names.forEach((name, i) => out.set(encode(model.tensors.get(name)!, type), offsets[i]));
  return out;
}

/** A model directory: config.json, then one model.safetensors or `shards` shards with model.safetensors.index.json. */
export async function writeSafetensorsModel(
  dir: string,
  model: TinyModel,
  options: { type?: FloatType; shards?: number } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const vocab = model.tensors.get('model.embed_tokens.weight')!.length / model.shape.hidden;
  await writeFile(join(dir, 'config.json'), configJson(model.shape, vocab));
  const names = [...model.tensors.keys()];
  const type = options.type ?? 'F32';
  const shards = options.shards ?? 1;
  if (shards === 1) return writeFile(join(dir, 'model.safetensors'), safetensorsFile(model, names, type));
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = names.filter((_, i) => i % shards === s);
    for (const name of part) weightMap[name] = file;
    await writeFile(join(dir, file), safetensorsFile(model, part, type));
  }
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
}

function ggufName(name: string): string {
  if (name === 'model.embed_tokens.weight') return 'token_embd.weight';
  if (name === 'model.norm.weight') return 'output_norm.weight';
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(name)!;
  const part: Record<string, string> = {
    'input_layernorm.weight': 'attn_norm.weight',
    'post_attention_layernorm.weight': 'ffn_norm.weight',
    'self_attn.q_proj.weight': 'attn_q.weight',
    'self_attn.k_proj.weight': 'attn_k.weight',
    'self_attn.v_proj.weight': 'attn_v.weight',
    'self_attn.o_proj.weight': 'attn_output.weight',
    'mlp.gate_proj.weight': 'ffn_gate.weight',
    'mlp.up_proj.weight': 'ffn_up.weight',
    'mlp.down_proj.weight': 'ffn_down.weight',
  };
  return `blk.${m[1]}.${part[m[2]]}`;
}

/**
 * A GGUF v3 file of `model` with its matrices in `type` (norm gains stay F32, as llama.cpp keeps them) and the
 * vocabulary in tokenizer.ggml.tokens.
 */
export function ggufModel(model: TinyModel, type: FloatType | QuantType): Uint8Array {
  const s = model.shape;
  const metadata = {
    'general.architecture': { type: 'string', value: 'llama' },
    'general.alignment': { type: 'u32', value: 32 },
    'llama.embedding_length': { type: 'u32', value: s.hidden },
    'llama.block_count': { type: 'u32', value: s.layers },
    'llama.attention.head_count': { type: 'u32', value: s.heads },
    'llama.attention.head_count_kv': { type: 'u32', value: s.kvHeads },
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.tokens': { type: 'string[]', value: model.tokens },
    'tokenizer.ggml.scores': { type: 'f32[]', value: model.tokens.map((_, i) => -i) },
  } as const;
  const names = [...model.tensors.keys()];
  const vocab = model.tensors.get('model.embed_tokens.weight')!.length / s.hidden;
  const blobs = names.map((name) => {
    const values = model.tensors.get(name)!;
    const t = name.endsWith('norm.weight') ? 'F32' : type;
    const data = t === 'F32' || t === 'F16' || t === 'BF16' ? encode(values, t) : quantize(t, values);
    return { name: ggufName(name), dims: [...tensorShape(name, s, vocab)].reverse(), type: GGML_TYPE_IDS[t], data };
  });
  const header = writeGgufHeader(metadata, blobs.length);
  const encoder = new TextEncoder();
  const pad = (n: number) => Math.ceil(n / 32) * 32;
  const infoSize = blobs.reduce((sum, b) => sum + 8 + encoder.encode(b.name).length + 4 + 8 * b.dims.length + 4 + 8, 0);
  const dataStart = pad(header.length + infoSize);
  const offsets: number[] = [];
  let dataSize = 0;
  for (const b of blobs) {
    offsets.push(dataSize);
    dataSize = pad(dataSize + b.data.length);
  }
  const out = new Uint8Array(dataStart + dataSize);
  const view = new DataView(out.buffer);
  out.set(header);
  let at = header.length;
  blobs.forEach((b, i) => {
    const name = encoder.encode(b.name);
    view.setBigUint64(at, BigInt(name.length), true);
    out.set(name, at + 8);
    at += 8 + name.length;
    view.setUint32(at, b.dims.length, true);
    at += 4;
    for (const dim of b.dims) {
      view.setBigUint64(at, BigInt(dim), true);
      at += 8;
    }
    view.setUint32(at, b.type, true);
    view.setBigUint64(at + 4, BigInt(offsets[i]), true);
    at += 12;
    out.set(b.data, dataStart + offsets[i]);
  });
  return out;
}

/** A BPE tokenizer.json whose vocabulary is `model.tokens`, so a model directory is complete for tokprint compare. */
export function tokenizerJson(model: TinyModel): string {
  return JSON.stringify({
    version: '1.0',
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'BPE', vocab: Object.fromEntries(model.tokens.map((t, i) => [t, i])), merges: [], unk_token: null },
  });
}

/** Writes `model` under `root` as `format` says; the path to open and the vocabulary keys to match by. */
export async function writeSuiteModel(
  root: string,
  name: string,
  model: TinyModel,
  format: { as: 'safetensors' | 'gguf'; type: FloatType | QuantType; shards?: number },
): Promise<{ path: string; tokens: string[] }> {
  const slug = name.replace(/\W+/g, '-');
  if (format.as === 'gguf') {
    await mkdir(root, { recursive: true });
    const path = join(root, `${slug}.gguf`);
    await writeFile(path, ggufModel(model, format.type));
    return { path, tokens: model.tokens };
  }
  const dir = join(root, slug);
  await writeSafetensorsModel(dir, model, { type: format.type as FloatType, shards: format.shards });
  return { path: dir, tokens: model.tokens };
}
