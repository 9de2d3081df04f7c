import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activationLineage } from '../../../src/lineage/activations/activation-lineage.js';
import type { ActivationEvidence } from '../../../src/lineage/activations/compare-activations.js';
import { PERMUTATIONS, SAME_LINEAGE_THRESHOLD } from '../../../src/lineage/activations/compare-activations.js';
import { MISSING_RUNTIME } from '../../../src/lineage/activations/runtime.js';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { isUserError } from '../../../src/util/errors.js';
import { writeGgufModel } from '../../engine/gguf-tensors.js';
import { realTokenizer, realTokenizerFiles } from '../../helpers/real-tokenizers.js';
import {
  denseNoise,
  encodeTinyOnnx,
  lowRankMerge,
  permuteUnits,
  rescale,
  seededBase,
  type TinyWeights,
  writeTinyModelDir,
} from '../../helpers/tiny-onnx-models.js';

// Every model here is a tiny synthetic transformer these tests build from seeds (no weights are downloaded);
// the tokenizers are the real Qwen2.5 and Llama 3 files.
const SHAPE = { rows: 4096, hidden: 32, ffn: 64, layers: 4 };
const base = seededBase(1, SHAPE);
const DERIVED: Record<string, TinyWeights> = {
  'dense noise 5%': denseNoise(base, 2, 0.05),
  'dense noise 15%': denseNoise(base, 3, 0.15),
  'low-rank merge (rank 4, 30%)': lowRankMerge(base, 4, 4, 0.3),
  'permuted units': permuteUnits(base, 5),
  rescaled: rescale(base, 6),
  'permuted, rescaled and fine-tuned': denseNoise(rescale(permuteUnits(base, 7), 8), 9, 0.1),
};
const INDEPENDENT: Record<string, TinyWeights> = {
  'same shape, seed 11': seededBase(11, SHAPE),
  'same shape, seed 12': seededBase(12, SHAPE),
  'hidden size 48': seededBase(13, { ...SHAPE, hidden: 48, ffn: 96 }),
  'six layers': seededBase(14, { ...SHAPE, layers: 6 }),
};

let root: string;
let qwen: Tokenizer;
let llama: Tokenizer;
const side = (name: string, tokenizer: Tokenizer) => ({
  path: join(root, name),
  encode: (text: string) => tokenizer.encode(text),
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-activations-'));
  qwen = await realTokenizer('qwen2.5');
  llama = await realTokenizer('llama3');
  const qwenFiles = await realTokenizerFiles('qwen2.5');
  writeTinyModelDir(join(root, 'base'), base, qwenFiles);
  for (const [name, weights] of Object.entries({ ...DERIVED, ...INDEPENDENT }))
    writeTinyModelDir(join(root, name), weights, qwenFiles);
  writeTinyModelDir(join(root, 'llama3 tokenizer'), seededBase(15, SHAPE), await realTokenizerFiles('llama3'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('activation lineage of tiny ONNX transformers', () => {
  const results = new Map<string, ActivationEvidence>();
  const compared = async (name: string, tokenizer = qwen) => {
    const cached = results.get(name);
    if (cached) return cached;
    const evidence = await activationLineage(side('base', qwen), side(name, tokenizer));
    results.set(name, evidence);
    return evidence;
  };

  it('puts every derived copy above every independent model, on either side of the fixed threshold', async () => {
    const derived = await Promise.all(Object.keys(DERIVED).map((name) => compared(name)));
    const independent = [
      ...(await Promise.all(Object.keys(INDEPENDENT).map((name) => compared(name)))),
      await compared('llama3 tokenizer', llama),
    ];
    for (const e of derived) {
      expect(e.verdict).toBe('same-lineage');
      // No shuffled pairing of texts reaches a derived copy's score.
      expect(e.pValue).toBe(1 / (PERMUTATIONS + 1));
      expect(e.score).toBeGreaterThanOrEqual(SAME_LINEAGE_THRESHOLD);
    }
    for (const e of independent) {
      expect(e.verdict).toBe('independent');
      expect(e.score).toBeLessThan(SAME_LINEAGE_THRESHOLD);
    }
    const lowestDerived = Math.min(...derived.map((e) => e.score));
    const highestIndependent = Math.max(...independent.map((e) => e.score));
    expect(lowestDerived).toBeGreaterThan(highestIndependent);
  });

  it('sees through permuted and rescaled hidden units: the same states up to rotation and scale at every layer', async () => {
    for (const name of ['permuted units', 'rescaled']) {
      const e = await compared(name);
      expect(e.layers.map((l) => l.cka)).toEqual(e.layers.map(() => expect.closeTo(1, 3)));
      expect(e.layers.every((l) => l.agrees)).toBe(true);
    }
  });

  it('reads float16 hidden states as a half-precision export gives them', async () => {
    writeTinyModelDir(join(root, 'float16 states'), base, await realTokenizerFiles('qwen2.5'), { states: 'float16' });
    const e = await compared('float16 states');
    expect(e.layers.map((l) => l.cka)).toEqual(e.layers.map(() => expect.closeTo(1, 3)));
  });

  it('compares models of different widths and depths, layer by relative depth', async () => {
    const wide = await compared('hidden size 48');
    expect(wide.models).toEqual({ a: { layers: 4, width: 32 }, b: { layers: 4, width: 48 } });
    const deep = await compared('six layers');
    expect(deep.layers.map((l) => [l.a, l.b])).toEqual([
      [0, 0],
      [1, 2],
      [2, 3],
      [3, 5],
      [4, 6],
    ]);
    expect(deep.matrix).toHaveLength(5);
    expect(deep.matrix.every((row) => row.length === 7)).toBe(true);
  });

  it('says which layers agree when only the first blocks are shared', async () => {
    const other = seededBase(21, SHAPE);
    const spliced: TinyWeights = {
      ...base,
      blocks: [base.blocks[0], other.blocks[1], other.blocks[2], other.blocks[3]],
    };
    const fresh: TinyWeights = { ...other, embedding: base.embedding };
    writeTinyModelDir(join(root, 'spliced'), spliced, await realTokenizerFiles('qwen2.5'));
    writeTinyModelDir(join(root, 'fresh'), fresh, await realTokenizerFiles('qwen2.5'));
    const s = await compared('spliced');
    expect(s.layers[0].agrees).toBe(true);
    expect(s.layers[1].agrees).toBe(true);
    const f = await compared('fresh');
    // Shared embeddings alone do not make a lineage: the score leaves the embedding output out.
    expect(f.layers[0].cka).toBeGreaterThan(0.99);
    expect(f.verdict).toBe('independent');
  });
});

describe('activation lineage on unusable input', () => {
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isUserError(error)).toBe(true);
    return error as Error & { exitCode: number };
  };

  it('asks for onnxruntime-node in one line when it is not installed', async () => {
    const error = await failure(
      activationLineage(side('base', qwen), side('base', qwen), {
        importRuntime: () => import(`${'onnxruntime-node'}-not-installed`),
      }),
    );
    expect(error.message).toBe(MISSING_RUNTIME);
    expect(error.exitCode).toBe(2);
  });

  it('refuses a directory without a graph, a truncated graph and a graph without hidden states', async () => {
    const empty = join(root, 'no-graph');
    writeTinyModelDir(empty, base, await realTokenizerFiles('qwen2.5'));
    await rm(join(empty, 'model.onnx'));
    const noGraph = await failure(activationLineage(side('base', qwen), side('no-graph', qwen)));
    expect(noGraph.message).toMatch(/holds no model\.onnx or onnx\/model\.onnx/);

    const tokenizerOnly = await failure(
      activationLineage(side('base', qwen), { ...side('base', qwen), path: join(root, 'base', 'tokenizer.json') }),
    );
    expect(tokenizerOnly.message).toMatch(/tokenizer\.json is neither$/);

    // A real (if empty) GGUF file: llama.cpp's bindings expose no per-layer states, so it is refused by name.
    await writeFile(join(root, 'tiny.gguf'), writeGgufModel({}, []));
    const gguf = await failure(
      activationLineage(side('base', qwen), { ...side('base', qwen), path: join(root, 'tiny.gguf') }),
    );
    expect(gguf.message).toMatch(/tiny\.gguf: per-layer hidden states of a GGUF model cannot be read/);

    const bytes = encodeTinyOnnx(base);
    const truncated = join(root, 'truncated');
    writeTinyModelDir(truncated, base, await realTokenizerFiles('qwen2.5'));
    await writeFile(join(truncated, 'model.onnx'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const broken = await failure(activationLineage(side('base', qwen), side('truncated', qwen)));
    expect(broken.message).toMatch(/is not an ONNX model onnxruntime can load/);
    expect(broken.message).not.toContain('\n');

    const blockless = join(root, 'blockless');
    writeTinyModelDir(
      blockless,
      { ...base, shape: { ...SHAPE, layers: 0 }, blocks: [] },
      await realTokenizerFiles('qwen2.5'),
    );
    const noStates = await failure(activationLineage(side('base', qwen), side('blockless', qwen)));
    expect(noStates.message).toMatch(/exports no hidden states per layer \(outputs: hidden_states\.0\)/);
    for (const error of [noGraph, tokenizerOnly, gguf, broken, noStates]) expect(error.exitCode).toBe(2);
  });
});
