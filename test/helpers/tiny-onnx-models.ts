import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { seededRng } from '../../src/util/rng.js';

/**
 * Tiny transformers written as ONNX by the tests themselves (synthetic weights, nothing downloaded):
 * token embedding, then pre-norm blocks of single-head bidirectional attention and a ReLU MLP, with the
 * residual stream after the embedding and after every block exported as `hidden_states.N`.
 * Token ids are folded into `rows` embedding rows (ids mod rows) so a model that reads a real
 * tokenizer's 150k ids stays a few hundred kilobytes.
 */
export interface TinyShape {
  rows: number;
  hidden: number;
  ffn: number;
  layers: number;
}

export interface TinyBlock {
  ln1: { scale: Float32Array; bias: Float32Array };
  /** [hidden, hidden] each, row-major (input unit x output unit). */
  wq: Float32Array;
  wk: Float32Array;
  wv: Float32Array;
  wo: Float32Array;
  ln2: { scale: Float32Array; bias: Float32Array };
  /** [hidden, ffn] and [ffn] */
  w1: Float32Array;
  b1: Float32Array;
  /** [ffn, hidden] and [hidden] */
  w2: Float32Array;
  b2: Float32Array;
}

export interface TinyWeights {
  shape: TinyShape;
  /** [rows, hidden] */
  embedding: Float32Array;
  blocks: TinyBlock[];
}

function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function filled(n: number, value: (i: number) => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = value(i);
  return out;
}

/** A model initialised from `seed` alone: N(0, 1) embeddings, N(0, 1/fan-in) matrices, LayerNorm near identity. */
export function seededBase(seed: number, shape: TinyShape): TinyWeights {
  const normal = gaussian(seededRng(seed).next);
  const matrix = (fanIn: number, fanOut: number) => filled(fanIn * fanOut, () => normal() / Math.sqrt(fanIn));
  const { rows, hidden, ffn, layers } = shape;
  const norm = () => ({ scale: filled(hidden, () => 1 + 0.1 * normal()), bias: filled(hidden, () => 0.1 * normal()) });
  return {
    shape,
    embedding: filled(rows * hidden, () => normal()),
    blocks: Array.from({ length: layers }, () => ({
      ln1: norm(),
      wq: matrix(hidden, hidden),
      wk: matrix(hidden, hidden),
      wv: matrix(hidden, hidden),
      wo: matrix(hidden, hidden),
      ln2: norm(),
      w1: matrix(hidden, ffn),
      b1: filled(ffn, () => 0.1 * normal()),
      w2: matrix(ffn, hidden),
      b2: filled(hidden, () => 0.1 * normal()),
    })),
  };
}

type Edit = (name: string, values: Float32Array, dims: number[]) => Float32Array;

function mapWeights(weights: TinyWeights, edit: Edit): TinyWeights {
  const { hidden, ffn, rows } = weights.shape;
  return {
    shape: weights.shape,
    embedding: edit('embedding', weights.embedding, [rows, hidden]),
    blocks: weights.blocks.map((b, l) => ({
      ln1: { scale: edit(`${l}.ln1.scale`, b.ln1.scale, [hidden]), bias: edit(`${l}.ln1.bias`, b.ln1.bias, [hidden]) },
      wq: edit(`${l}.wq`, b.wq, [hidden, hidden]),
      wk: edit(`${l}.wk`, b.wk, [hidden, hidden]),
      wv: edit(`${l}.wv`, b.wv, [hidden, hidden]),
      wo: edit(`${l}.wo`, b.wo, [hidden, hidden]),
      ln2: { scale: edit(`${l}.ln2.scale`, b.ln2.scale, [hidden]), bias: edit(`${l}.ln2.bias`, b.ln2.bias, [hidden]) },
      w1: edit(`${l}.w1`, b.w1, [hidden, ffn]),
      b1: edit(`${l}.b1`, b.b1, [ffn]),
      w2: edit(`${l}.w2`, b.w2, [ffn, hidden]),
      b2: edit(`${l}.b2`, b.b2, [hidden]),
    })),
  };
}

function rms(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v * v;
  return Math.sqrt(sum / Math.max(1, values.length));
}

/** A fine-tune stand-in: every tensor moved by dense Gaussian noise of `relative` times its own RMS. */
export function denseNoise(weights: TinyWeights, seed: number, relative: number): TinyWeights {
  const normal = gaussian(seededRng(seed).next);
  return mapWeights(weights, (_, values) => {
    const size = relative * rms(values);
    return values.map((v) => v + size * normal());
  });
}

/** A low-rank merge (LoRA folded in): every matrix gets U V^T of `rank`, scaled to `relative` of its RMS. */
export function lowRankMerge(weights: TinyWeights, seed: number, rank: number, relative: number): TinyWeights {
  const normal = gaussian(seededRng(seed).next);
  return mapWeights(weights, (name, values, dims) => {
    if (dims.length !== 2 || name === 'embedding') return values;
    const [n, m] = dims;
    const u = filled(n * rank, () => normal());
    const v = filled(rank * m, () => normal());
    const delta = new Float32Array(n * m);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let r = 0; r < rank; r++) s += u[i * rank + r] * v[r * m + j];
        delta[i * m + j] = s;
      }
    const scale = (relative * rms(values)) / Math.max(1e-12, rms(delta));
    return values.map((x, i) => x + scale * delta[i]);
  });
}

function permutation(n: number, random: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Rows and/or columns of a row-major [n, m] matrix reordered: out[i][j] = in[rows[i]][cols[j]]. */
function reorder(values: Float32Array, n: number, m: number, rows?: number[], cols?: number[]): Float32Array {
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) out[i * m + j] = values[(rows ? rows[i] : i) * m + (cols ? cols[j] : j)];
  return out;
}

/**
 * The usual evasion: residual, query/key, value and MLP units permuted consistently, so the model
 * computes the same function while every weight matrix looks different.
 */
export function permuteUnits(weights: TinyWeights, seed: number): TinyWeights {
  const random = seededRng(seed).next;
  const { hidden, ffn, rows } = weights.shape;
  const p = permutation(hidden, random);
  const vector = (x: Float32Array, q: number[]) => Float32Array.from(q, (i) => x[i]);
  return {
    shape: weights.shape,
    embedding: reorder(weights.embedding, rows, hidden, undefined, p),
    blocks: weights.blocks.map((b) => {
      const qk = permutation(hidden, random);
      const vo = permutation(hidden, random);
      const mlp = permutation(ffn, random);
      return {
        ln1: { scale: vector(b.ln1.scale, p), bias: vector(b.ln1.bias, p) },
        wq: reorder(b.wq, hidden, hidden, p, qk),
        wk: reorder(b.wk, hidden, hidden, p, qk),
        wv: reorder(b.wv, hidden, hidden, p, vo),
        wo: reorder(b.wo, hidden, hidden, vo, p),
        ln2: { scale: vector(b.ln2.scale, p), bias: vector(b.ln2.bias, p) },
        w1: reorder(b.w1, hidden, ffn, p, mlp),
        b1: vector(b.b1, mlp),
        w2: reorder(b.w2, ffn, hidden, mlp, p),
        b2: vector(b.b2, p),
      };
    }),
  };
}

/**
 * Rescaled without changing what the model computes up to one overall factor: queries by c and keys by
 * 1/c per block, each MLP unit's input by s and its output by 1/s (ReLU commutes with s > 0), and the
 * whole residual stream by `stream` (LayerNorm undoes it inside the blocks).
 */
export function rescale(weights: TinyWeights, seed: number, stream = 3): TinyWeights {
  const random = seededRng(seed).next;
  const { hidden, ffn } = weights.shape;
  return {
    shape: weights.shape,
    embedding: weights.embedding.map((v) => v * stream),
    blocks: weights.blocks.map((b) => {
      const c = 0.25 + 3 * random();
      const s = filled(ffn, () => 0.2 + 5 * random());
      return {
        ...b,
        wq: b.wq.map((v) => v * c),
        wk: b.wk.map((v) => v / c),
        wo: b.wo.map((v) => v * stream),
        w1: b.w1.map((v, i) => v * s[i % ffn]),
        b1: b.b1.map((v, i) => v * s[i]),
        w2: b.w2.map((v, i) => (v / s[Math.floor(i / hidden)]) * stream),
        b2: b.b2.map((v) => v * stream),
      };
    }),
  };
}

/** The part of onnx.proto (IR 8) these graphs use, with its official field numbers. */
const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: { fields: { tensorType: { type: 'TypeProtoTensor', id: 1 } } },
        TypeProtoTensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
      },
    },
  },
};

const ModelProto = protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');
const FLOAT = 1;
const INT64 = 7;
const FLOAT16 = 10;
const ATTR = { float: 1, int: 2, ints: 7 } as const;

type Attribute = { name: string; f?: number; i?: number; ints?: number[]; type: number };
const intAttr = (name: string, i: number): Attribute => ({ name, i, type: ATTR.int });
const floatAttr = (name: string, f: number): Attribute => ({ name, f, type: ATTR.float });
const intsAttr = (name: string, ints: number[]): Attribute => ({ name, ints, type: ATTR.ints });

function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * The ONNX bytes of a tiny model; inputs `input_ids` [1, seq] (int64), outputs `hidden_states.0..layers`,
 * in float32 or, as half-precision exports give them, cast to float16.
 */
export function encodeTinyOnnx(weights: TinyWeights, options: { states?: 'float32' | 'float16' } = {}): Uint8Array {
  const half = options.states === 'float16';
  const { rows, hidden, layers } = weights.shape;
  const initializer: object[] = [];
  const node: object[] = [];
  const constant = (name: string, values: Float32Array | BigInt64Array, dims: number[]) => {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    initializer.push({ name, dims, dataType: values instanceof Float32Array ? FLOAT : INT64, rawData: bytes });
    return name;
  };
  const op = (opType: string, input: string[], output: string, attribute: Attribute[] = []) => {
    node.push({ opType, input, output: [output], name: `${opType}_${node.length}`, attribute });
    return output;
  };
  const rowsConst = constant('rows', BigInt64Array.of(BigInt(rows)), []);
  const folded = op('Mod', ['input_ids', rowsConst], 'folded_ids', [intAttr('fmod', 0)]);
  let stream = op('Gather', [constant('embedding', weights.embedding, [rows, hidden]), folded], 'stream_0', [
    intAttr('axis', 0),
  ]);
  const exported = (x: string, name: string) =>
    half ? op('Cast', [x], name, [intAttr('to', FLOAT16)]) : op('Identity', [x], name);
  const outputs = [exported(stream, 'hidden_states.0')];
  const attnScale = layers ? constant('attn_scale', Float32Array.of(1 / Math.sqrt(hidden)), []) : '';
  weights.blocks.forEach((b, l) => {
    const n = (what: string) => `l${l}_${what}`;
    const norm = (x: string, which: 'ln1' | 'ln2') =>
      op(
        'LayerNormalization',
        [
          x,
          constant(n(`${which}_scale`), b[which].scale, [hidden]),
          constant(n(`${which}_bias`), b[which].bias, [hidden]),
        ],
        n(which),
        [intAttr('axis', -1), floatAttr('epsilon', 1e-5)],
      );
    const matmul = (x: string, w: Float32Array, name: string, dims: number[]) =>
      op('MatMul', [x, constant(n(name), w, dims)], n(`${name}_out`));
    const h = norm(stream, 'ln1');
    const q = matmul(h, b.wq, 'wq', [hidden, hidden]);
    const k = matmul(h, b.wk, 'wk', [hidden, hidden]);
    const v = matmul(h, b.wv, 'wv', [hidden, hidden]);
    const kt = op('Transpose', [k], n('kt'), [intsAttr('perm', [0, 2, 1])]);
    const scores = op('Mul', [op('MatMul', [q, kt], n('qk')), attnScale], n('scores'));
    const attn = op('MatMul', [op('Softmax', [scores], n('probs'), [intAttr('axis', -1)]), v], n('attn'));
    stream = op('Add', [stream, matmul(attn, b.wo, 'wo', [hidden, hidden])], n('after_attn'));
    const up = op(
      'Add',
      [matmul(norm(stream, 'ln2'), b.w1, 'w1', [hidden, b.b1.length]), constant(n('b1'), b.b1, [b.b1.length])],
      n('up'),
    );
    const down = op(
      'Add',
      [matmul(op('Relu', [up], n('relu')), b.w2, 'w2', [b.b1.length, hidden]), constant(n('b2'), b.b2, [hidden])],
      n('down'),
    );
    stream = op('Add', [stream, down], n('after_mlp'));
    outputs.push(exported(stream, `hidden_states.${l + 1}`));
  });
  const model = {
    irVersion: 8,
    producerName: 'tokprint-tests',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: `tiny_${layers}x${hidden}`,
      node,
      initializer,
      input: [valueInfo('input_ids', INT64, [1, 'seq'])],
      output: outputs.map((name) => valueInfo(name, half ? FLOAT16 : FLOAT, [1, 'seq', hidden])),
    },
  };
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`tiny ONNX model: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** A model directory as exports lay it out: model.onnx beside the tokenizer files it reads. */
export function writeTinyModelDir(
  dir: string,
  weights: TinyWeights,
  tokenizer: { main: Uint8Array; config?: Uint8Array },
  options: { states?: 'float32' | 'float16' } = {},
): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), encodeTinyOnnx(weights, options));
  writeFileSync(join(dir, 'tokenizer.json'), tokenizer.main);
  if (tokenizer.config) writeFileSync(join(dir, 'tokenizer_config.json'), tokenizer.config);
  return dir;
}
