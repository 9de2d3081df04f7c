import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCheckpoints, SAME_LINEAGE_THRESHOLD, type WeightEvidence } from '../../src/lineage/weight-lineage.js';
import { type Checkpoint, openLocalCheckpoint } from '../../src/lineage/weights/checkpoint.js';
import {
  fineTuned,
  ggufModel,
  loraMerged,
  permutedAndRescaled,
  randomModel,
  type TinyModel,
  vocabularyExtended,
  writeSafetensorsModel,
} from '../helpers/tiny-checkpoints.js';

let root: string;
const base = randomModel(1);

/** Every model is written to disk and read back through the readers, as a user's checkpoint would be. */
async function written(name: string, model: TinyModel, as: 'safetensors' | 'sharded' | 'gguf', type?: string) {
  const dir = join(root, name);
  if (as === 'gguf') {
    await writeSafetensorsModel(dir, model); // only for the directory; the GGUF file is opened directly
    const path = join(dir, `${name}.gguf`);
    await writeFile(path, ggufModel(model, (type ?? 'F16') as 'F16'));
    return { path, tokens: model.tokens };
  }
  await writeSafetensorsModel(dir, model, { shards: as === 'sharded' ? 3 : 1, type: (type ?? 'F32') as 'F32' });
  return { path: dir, tokens: model.tokens };
}

async function compare(
  a: { path: string; tokens: string[] },
  b: { path: string; tokens: string[] },
): Promise<WeightEvidence> {
  const [ca, cb]: Checkpoint[] = await Promise.all([openLocalCheckpoint(a.path), openLocalCheckpoint(b.path)]);
  try {
    return await compareCheckpoints(ca, cb, a.tokens, b.tokens);
  } finally {
    await Promise.all([ca.close(), cb.close()]);
  }
}

const derived: [string, () => TinyModel, 'safetensors' | 'sharded' | 'gguf', string?][] = [
  ['same weights, sharded BF16 copy', () => base, 'sharded', 'BF16'],
  ['dense-noise fine-tune', () => fineTuned(base, 11), 'safetensors'],
  ['low-rank (LoRA) merge', () => loraMerged(base, 12), 'safetensors', 'F16'],
  ['fine-tune of a fine-tune', () => fineTuned(fineTuned(base, 13), 14), 'safetensors'],
  ['continued pre-training with 128 appended tokens', () => vocabularyExtended(base, 15), 'sharded'],
  ['Q8_0 GGUF', () => base, 'gguf', 'Q8_0'],
  ['Q4_0 GGUF', () => base, 'gguf', 'Q4_0'],
  ['Q4_K GGUF of a fine-tune', () => fineTuned(base, 16), 'gguf', 'Q4_K'],
  ['Q6_K GGUF', () => base, 'gguf', 'Q6_K'],
  ['hidden-unit permuted and rescaled', () => permutedAndRescaled(base, 17), 'safetensors'],
  ['permuted, rescaled and then fine-tuned', () => fineTuned(permutedAndRescaled(base, 18), 19), 'safetensors'],
  ['permuted and rescaled, as Q4_K GGUF', () => permutedAndRescaled(base, 20), 'gguf', 'Q4_K'],
];
const independent: [string, () => TinyModel, 'safetensors' | 'gguf', string?][] = [
  ['independent init (seed 2)', () => randomModel(2), 'safetensors'],
  ['independent init (seed 3), fine-tuned', () => fineTuned(randomModel(3), 21), 'safetensors'],
  ['independent init (seed 4), permuted and rescaled', () => permutedAndRescaled(randomModel(4), 22), 'safetensors'],
  ['independent init (seed 5) with appended tokens', () => vocabularyExtended(randomModel(5), 23), 'safetensors'],
  ['independent init (seed 6) as Q4_K GGUF', () => randomModel(6), 'gguf', 'Q4_K'],
];

const scores = new Map<string, WeightEvidence>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-lineage-'));
  const reference = await written('base', base, 'safetensors');
  for (const [name, make, as, type] of [...derived, ...independent]) {
    const suspect = await written(name.replace(/\W+/g, '-'), make(), as, type);
    scores.set(name, await compare(reference, suspect));
  }
}, 300_000);

afterAll(() => rm(root, { recursive: true, force: true }));

describe('weight lineage on tiny checkpoints the test builds', () => {
  it.each(derived.map(([name]) => name))('finds the built base in a derived copy: %s', (name) => {
    const evidence = scores.get(name)!;
    expect(evidence.verdict).toBe('same-lineage');
    expect(evidence.score).toBeGreaterThanOrEqual(SAME_LINEAGE_THRESHOLD);
    expect(evidence.layers).toHaveLength(3);
  });

  it.each(independent.map(([name]) => name))('calls an independently initialised model independent: %s', (name) => {
    expect(scores.get(name)!.verdict).toBe('independent');
  });

  it('ranks every derived copy above every independent model (AUC 1.0) with the fixed threshold between them', () => {
    const low = Math.min(...derived.map(([name]) => scores.get(name)!.score));
    const high = Math.max(...independent.map(([name]) => scores.get(name)!.score));
    expect(low).toBeGreaterThan(high);
    expect(SAME_LINEAGE_THRESHOLD).toBeGreaterThan(high);
    expect(SAME_LINEAGE_THRESHOLD).toBeLessThanOrEqual(low);
  });

  it('sees through permutation and rescaling exactly: the invariants of a permuted copy equal the base', () => {
    const evidence = scores.get('hidden-unit permuted and rescaled')!;
    expect(evidence.components.embeddingGeometry).toBeCloseTo(1, 4);
    expect(evidence.components.layerInvariants).toBeCloseTo(1, 4);
    expect(evidence.components.embeddingProcrustes).toBeCloseTo(1, 3);
  });

  it('matches rows by token, not by id: appended rows take no part', () => {
    const evidence = scores.get('continued pre-training with 128 appended tokens')!;
    expect(evidence.sharedAnchors.embedding).toBe(128);
  });
});
