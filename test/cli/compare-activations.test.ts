import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine, runCli } from '../helpers/cli.js';
import { realTokenizerFiles } from '../helpers/real-tokenizers.js';
import { denseNoise, permuteUnits, seededBase, writeTinyModelDir } from '../helpers/tiny-onnx-models.js';

// Tiny synthetic transformers written by this test (no weights are downloaded), beside the real Qwen2.5 tokenizer.
const SHAPE = { rows: 4096, hidden: 32, ffn: 64, layers: 3 };
let root: string;
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-compare-activations-'));
  const qwen = await realTokenizerFiles('qwen2.5');
  const base = seededBase(31, SHAPE);
  writeTinyModelDir(join(root, 'base'), base, qwen);
  writeTinyModelDir(join(root, 'tuned'), denseNoise(permuteUnits(base, 32), 33, 0.1), qwen);
  writeTinyModelDir(join(root, 'other'), seededBase(34, { ...SHAPE, hidden: 24, ffn: 48 }), qwen);
  writeTinyModelDir(join(root, 'no-graph'), base, qwen);
  await rm(join(root, 'no-graph', 'model.onnx'));
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe('tokprint compare --activations', () => {
  it('adds an activations object to --json: verdict, score, threshold and the layers', async () => {
    const { code, stdout, stderr } = await runCli(['compare', 'base', 'tuned', '--activations', '--json'], env, root);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.verdict).toBe('identical');
    expect(report.activations).toMatchObject({
      verdict: 'same-lineage',
      threshold: 0.6,
      method: 'linear-cka-debiased',
      pooling: 'mean-over-tokens',
      models: { a: { layers: 3, width: 32 }, b: { layers: 3, width: 32 } },
    });
    expect(report.activations.score).toBeGreaterThan(0.6);
    expect(report.activations.pValue).toBe(0.005);
    expect(report.activations.layers.map((l: { a: number; b: number }) => [l.a, l.b])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(report.activations.texts).toBeGreaterThanOrEqual(200);
  });

  it('prints the activation verdict and the agreeing layers after the tokenizer comparison', async () => {
    const { code, stdout } = await runCli(['compare', 'base', 'other', '--activations'], env, root);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^activations: independent \(mean CKA -?0\.\d{3} past the embeddings, threshold 0\.6; chance agreement p [01]\.\d+\)$/m,
    );
    expect(stdout).toMatch(/A 3 layers x 32, B 3 x 24$/m);
    expect(stdout).toMatch(/^ {2}layers that agree: none$/m);
    // One blank line between the tokenizer comparison and the activation lines.
    expect(stdout).toMatch(/[^\n]\n\nactivations: /);
  });

  it('leaves activations out without the flag', async () => {
    const { code, stdout } = await runCli(['compare', 'base', 'tuned', '--json'], env, root);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).activations).toBeUndefined();
  });

  it('refuses a model directory without an ONNX graph in one line, exit 2', async () => {
    const { code, stdout, stderr } = await runCli(['compare', 'base', 'no-graph', '--activations'], env, root);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(isOneLine(stderr)).toBe(true);
    expect(stderr).toContain('holds no model.onnx or onnx/model.onnx');
  });
});
