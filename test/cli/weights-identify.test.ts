import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { isOneLine, runCli } from '../helpers/cli.js';
import {
  fineTuned,
  ggufModel,
  permutedAndRescaled,
  randomModel,
  type TinyModel,
  tokenizerJson,
  writeSafetensorsModel,
} from '../helpers/tiny-checkpoints.js';

let dir: string;
const env = () => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TOKPRINT_CACHE: process.env.TOKPRINT_CACHE ?? cacheDir(),
  TOKPRINT_HOME: join(dir, 'home'),
});
const baseA = randomModel(41);
const baseB = randomModel(42);

async function modelDir(name: string, model: TinyModel, shards = 1): Promise<void> {
  await writeSafetensorsModel(join(dir, name), model, { shards });
  await writeFile(join(dir, name, 'tokenizer.json'), tokenizerJson(model));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokprint-weights-identify-'));
  await modelDir('base-a', baseA, 2);
  await modelDir('base-b', baseB);
  await modelDir('tuned-a', fineTuned(permutedAndRescaled(baseA, 43), 44));
  await modelDir('independent', randomModel(45));
  await writeFile(join(dir, 'b-q4k.gguf'), ggufModel(fineTuned(baseB, 46), 'Q4_K'));
  await modelDir('no-weights', baseA);
  await rm(join(dir, 'no-weights', 'model.safetensors'));
  await rm(join(dir, 'no-weights', 'config.json'));
}, 60_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('refs add --weights and identify <model-dir> on tiny models the test builds', () => {
  it('stores a compact weight fingerprint beside the user index', async () => {
    for (const [source, id] of [
      ['base-a', 'tiny-a'],
      ['base-b', 'tiny-b'],
    ]) {
      const { code, stdout, stderr } = await runCli(
        ['refs', 'add', source, '--id', id, '--family', 'tiny', '--weights'],
        env(),
        dir,
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(
        new RegExp(`^stored its weight fingerprint \\(3 layers, 128 anchor tokens\\) in .*${id}\\.json$`, 'm'),
      );
    }
    const path = join(dir, 'home', 'index', 'weights', 'tiny-a.json');
    expect((await stat(path)).size).toBeLessThan(1024 * 1024);
    const stored = JSON.parse(await readFile(path, 'utf8'));
    expect(stored.layers.map((l: { heads: unknown[] }) => l.heads.length)).toEqual([4, 4, 4]);
  });

  it('ranks the stored base of a permuted, rescaled and fine-tuned copy first', async () => {
    const result = await runCli(['identify', 'tuned-a', '--json', '--out', join(dir, 'runs')], env(), dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { weights } = JSON.parse(result.stdout);
    expect(weights.ranking.map((c: { reference: string }) => c.reference)).toEqual(['tiny-a', 'tiny-b']);
    expect(weights.ranking[0]).toMatchObject({ verdict: 'same-lineage' });
    expect(weights.ranking[1]).toMatchObject({ verdict: 'independent' });
    expect(weights.ranking[0].layers).toHaveLength(3);
  });

  it('finds the other base in a Q4_K GGUF of a fine-tune, in the text verdict', async () => {
    const result = await runCli(['identify', 'b-q4k.gguf', '--out', join(dir, 'runs')], env(), dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^weights: same-lineage with tiny-b \(score 0\.\d{3}, threshold 0\.5\)$/m);
    expect(result.stdout).toMatch(/^ {2}vs tiny-a: independent, score -?0\.\d{3}$/m);
  });

  it('carries the weight evidence into every report format, CycloneDX still valid against 1.6', async () => {
    const result = await runCli(
      ['identify', 'tuned-a', '--json', '--quiet', '--out', join(dir, 'reports'), '--report', 'all'],
      env(),
      dir,
    );
    expect(result.code).toBe(0);
    const { run } = JSON.parse(result.stdout);
    const read = (name: string) => readFile(join(run, name), 'utf8');
    const headline = /weights: same-lineage with tiny-a \(score 0\.\d{3}, threshold 0\.5\)/;
    const md = await read('report.md');
    expect(md).toContain('weights: same-lineage with tiny-a \\(score');
    expect(md).toMatch(/^\| tiny-a \| same-lineage \| 0\.\d{3} \|$/m);
    const html = await read('report.html');
    expect(html).toMatch(headline);
    expect(html).toContain('data-weights="same-lineage"');
    const text = await runCli(['report', run, '--format', 'text'], env(), dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^weights: same-lineage with tiny-a \(score 0\.\d{3}, threshold 0\.5\)$/m);
    const bom = await read('report.cdx.json');
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(bom)).toBeNull();
    const identity = JSON.parse(bom).metadata.component.evidence.identity;
    const byWeights = identity.find((i: { concludedValue: string }) => i.concludedValue === 'weights of tiny-a');
    expect(byWeights.methods[0]).toMatchObject({ technique: 'binary-analysis' });
    expect(byWeights.confidence).toBeGreaterThan(0.5);
  });

  it('says an independently initialised model is independent of every stored base', async () => {
    const result = await runCli(['identify', 'independent', '--json', '--out', join(dir, 'runs')], env(), dir);
    expect(result.code).toBe(0);
    const { weights } = JSON.parse(result.stdout);
    expect(weights.ranking.every((c: { verdict: string }) => c.verdict === 'independent')).toBe(true);
  });

  it('refuses --weights on a source without weights in one line, exit 2, adding nothing', async () => {
    const result = await runCli(
      ['refs', 'add', 'no-weights', '--id', 'tiny-none', '--family', 'tiny', '--weights'],
      env(),
      dir,
    );
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toContain('no-weights holds no model weights');
    const manifest = JSON.parse(await readFile(join(dir, 'home', 'index', 'manifest.json'), 'utf8'));
    expect(manifest.references.map((r: { id: string }) => r.id)).not.toContain('tiny-none');
  });

  it('refuses a damaged stored fingerprint in one line, exit 2', async () => {
    const path = join(dir, 'home', 'index', 'weights', 'tiny-b.json');
    const good = await readFile(path);
    await writeFile(path, '{"version": 1, "hidden": 2');
    try {
      const result = await runCli(['identify', 'independent', '--out', join(dir, 'runs')], env(), dir);
      expect(result.code).toBe(2);
      expect(isOneLine(result.stderr)).toBe(true);
      expect(result.stderr).toMatch(/tiny-b\.json is not JSON; add the reference again with --weights/);
    } finally {
      await writeFile(path, good);
    }
  });
});
