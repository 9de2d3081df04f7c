import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCheckpoints, SAME_LINEAGE_THRESHOLD, type WeightEvidence } from '../../src/lineage/weight-lineage.js';
import { type Checkpoint, openLocalCheckpoint } from '../../src/lineage/weights/checkpoint.js';
import { auc, suiteBase, suiteCases } from '../helpers/lineage-suite.js';
import { writeSuiteModel } from '../helpers/tiny-checkpoints.js';

let root: string;
const base = suiteBase();
const cases = suiteCases(base);
const derived = cases.filter((c) => c.derived);
const independent = cases.filter((c) => !c.derived);
const scores = new Map<string, WeightEvidence>();

/** Every model is written to disk and read back through the readers, as a user's checkpoint would be. */
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

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-lineage-'));
  const reference = await writeSuiteModel(root, 'base', base, { as: 'safetensors', type: 'F32' });
  for (const c of cases)
    scores.set(c.name, await compare(reference, await writeSuiteModel(root, c.name, c.make(), c.format)));
}, 300_000);

afterAll(() => rm(root, { recursive: true, force: true }));

describe('weight lineage on tiny checkpoints the test builds', () => {
  it.each(derived.map((c) => c.name))('finds the built base in a derived copy: %s', (name) => {
    const evidence = scores.get(name)!;
    expect(evidence.verdict).toBe('same-lineage');
    expect(evidence.score).toBeGreaterThanOrEqual(SAME_LINEAGE_THRESHOLD);
    expect(evidence.layers).toHaveLength(3);
  });

  it.each(independent.map((c) => c.name))('calls an independently initialised model independent: %s', (name) => {
    expect(scores.get(name)!.verdict).toBe('independent');
  });

  it('ranks every derived copy above every independent model (AUC 1.0) with the fixed threshold between them', () => {
    const low = Math.min(...derived.map((c) => scores.get(c.name)!.score));
    const high = Math.max(...independent.map((c) => scores.get(c.name)!.score));
    expect(auc(cases.map((c) => ({ derived: c.derived, score: scores.get(c.name)!.score })))).toBe(1);
    expect(low).toBeGreaterThan(high);
    expect(SAME_LINEAGE_THRESHOLD).toBeGreaterThan(high);
    expect(SAME_LINEAGE_THRESHOLD).toBeLessThanOrEqual(low);
  });

  it('calibrates the embedding agreement by a Mantel test: derived copies at the floor p, independent ones far above', () => {
    for (const c of derived) expect(scores.get(c.name)!.pValues.embeddingGeometry, c.name).toBe(0.001);
    for (const c of independent) expect(scores.get(c.name)!.pValues.embeddingGeometry, c.name).toBeGreaterThan(0.01);
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
