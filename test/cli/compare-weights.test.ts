import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGguf } from '../../src/references/formats/gguf-write.js';
import { isOneLine, runCli } from '../helpers/cli.js';
import { startFakeHub } from '../helpers/fake-hf-hub.js';
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
  await modelDir('base-sharded', base, 2);
  await modelDir('tuned', fineTuned(base, 32), 2);
  await modelDir('extended', vocabularyExtended(base, 33));
  await modelDir('independent', randomModel(34));
  await writeFile(join(root, 'evasive-q4k.gguf'), ggufModel(permutedAndRescaled(base, 35), 'Q4_K'));
  const tokenizerOnly = writeGguf({
    'general.architecture': { type: 'string', value: 'llama' },
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.tokens': { type: 'string[]', value: base.tokens },
    'tokenizer.ggml.scores': { type: 'f32[]', value: base.tokens.map((_, i) => -i) },
  });
  await writeFile(join(root, 'tokenizer-only-a.gguf'), tokenizerOnly);
  await writeFile(join(root, 'tokenizer-only-b.gguf'), tokenizerOnly);
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

  it('compares tokenizer-only GGUF files as tokenizers, with no weights object', async () => {
    const { code, stdout, stderr } = await runCli(
      ['compare', 'tokenizer-only-a.gguf', 'tokenizer-only-b.gguf', '--json'],
      env,
      root,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.verdict).toBe('identical');
    expect(report.weights).toBeUndefined();
  });

  it('reads hub weights by range requests with --weights, the whole checkpoint never fetched', async () => {
    const files = async (name: string) => {
      const out: Record<string, Uint8Array> = {};
      for (const file of [
        'config.json',
        'tokenizer.json',
        'model.safetensors.index.json',
        'model-00001-of-00002.safetensors',
        'model-00002-of-00002.safetensors',
      ])
        out[file] = await readFile(join(root, name, file));
      return out;
    };
    const hub = await startFakeHub({
      'org/base': { commit: 'b'.repeat(40), files: await files('base-sharded') },
      'org/tuned': { commit: 'c'.repeat(40), files: await files('tuned') },
    });
    try {
      const hubEnv = { ...env, HF_ENDPOINT: hub.endpoint };
      const { code, stdout, stderr } = await runCli(
        ['compare', 'hf:org/base', 'hf:org/tuned', '--weights', '--json'],
        hubEnv,
        root,
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const { weights } = JSON.parse(stdout);
      expect(weights.verdict).toBe('same-lineage');
      expect(weights.bytesRead.b).toBeLessThan(weights.checkpointBytes.b / 2);
      const plain = await runCli(['compare', 'hf:org/base', 'hf:org/tuned', '--json'], hubEnv, root);
      expect(JSON.parse(plain.stdout).weights).toBeUndefined();
    } finally {
      await hub.close();
    }
  });
});
