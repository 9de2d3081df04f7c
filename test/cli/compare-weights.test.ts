import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine, runCli } from '../helpers/cli.js';
import {
  fineTuned,
  ggufModel,
  permutedAndRescaled,
  randomModel,
  type TinyModel,
  tokenizerJson,
  vocabularyExtended,
  writeSafetensorsModel,
} from '../helpers/tiny-checkpoints.js';

let root: string;
const env = { PATH: process.env.PATH, HOME: process.env.HOME };
const base = randomModel(31);

async function modelDir(name: string, model: TinyModel, shards = 1): Promise<void> {
  await writeSafetensorsModel(join(root, name), model, { shards });
  await writeFile(join(root, name, 'tokenizer.json'), tokenizerJson(model));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-compare-weights-'));
  await modelDir('base', base);
  await modelDir('tuned', fineTuned(base, 32), 2);
  await modelDir('extended', vocabularyExtended(base, 33));
  await modelDir('independent', randomModel(34));
  await writeFile(join(root, 'evasive-q4k.gguf'), ggufModel(permutedAndRescaled(base, 35), 'Q4_K'));
  await modelDir('truncated', base);
  const weights = await readFile(join(root, 'truncated', 'model.safetensors'));
  await writeFile(join(root, 'truncated', 'model.safetensors'), weights.subarray(0, weights.length - 4096));
}, 60_000);

afterAll(() => rm(root, { recursive: true, force: true }));

describe('tokprint compare on model directories the test builds (tiny random Llama-style weights)', () => {
  it('puts the weight verdict first and the per-layer evidence after the tokenizer metrics', async () => {
    const { code, stdout, stderr } = await runCli(['compare', 'base', 'tuned'], env, root);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^weights: same-lineage \(score 0\.\d{3}, threshold 0\.5\)$/);
    expect(lines[1]).toMatch(/^identical: /);
    expect(stdout).toMatch(/^ {2}layer 2: 0\.\d{3} \(4 heads\)$/m);
    expect(stdout).toMatch(/^bytes read +A [\d,]+ of [\d,]+, B [\d,]+ of [\d,]+$/m);
  });

  it('gives a weights object with verdict, score and layers in --json', async () => {
    const { code, stdout } = await runCli(['compare', 'base', 'extended', '--json'], env, root);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.verdict).toBe('derived');
    expect(report.weights).toMatchObject({ verdict: 'same-lineage', threshold: 0.5 });
    expect(report.weights.score).toBeGreaterThan(0.5);
    expect(report.weights.layers.map((l: { layer: number }) => l.layer)).toEqual([0, 1, 2]);
    expect(report.weights.sharedAnchors.embedding).toBe(128);
  });

  it('finds the base in a permuted, rescaled, Q4_K-quantized GGUF copy', async () => {
    const { code, stdout, stderr } = await runCli(['compare', 'base', 'evasive-q4k.gguf', '--json'], env, root);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.weights.verdict).toBe('same-lineage');
    expect(report.weights.sharedAnchors.embedding).toBe(128);
  });

  it('calls an independently initialised model with the same tokenizer independent', async () => {
    const { code, stdout } = await runCli(['compare', 'base', 'independent', '--json'], env, root);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.verdict).toBe('identical');
    expect(report.weights.verdict).toBe('independent');
    expect(report.weights.score).toBeLessThan(0.2);
  });

  it('refuses a truncated checkpoint in one line, exit 2', async () => {
    const { code, stdout, stderr } = await runCli(['compare', 'base', 'truncated'], env, root);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(isOneLine(stderr)).toBe(true);
    expect(stderr).toMatch(/model\.safetensors is truncated: tensor ".*" ends at byte \d+, the file has \d+/);
  });
});
