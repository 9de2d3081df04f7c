import { describe, expect, it } from 'vitest';
import { designPack, separatingProbes } from '../../src/planning/design.js';
import { seededRng } from '../../src/util/rng.js';

const candidates = [
  { counts: Int32Array.from([1, 1, 2, 3, 1, 1, 1, 2]), weight: 0.25 },
  { counts: Int32Array.from([1, 2, 2, 3, 1, 1, 2, 2]), weight: 0.25 },
  { counts: Int32Array.from([1, 1, 3, 3, 1, 2, 1, 2]), weight: 0.25 },
  { counts: Int32Array.from([1, 1, 2, 6, 1, 1, 1, 2]), weight: 0.25 },
];
const total = (counts: Int32Array, pack: number[]) => pack.reduce((sum, p) => sum + counts[p], 0);

describe('designPack', () => {
  it('picks probes that set every pair of candidates apart', () => {
    const pack = designPack({
      candidates,
      allowed: [0, 1, 2, 3, 4, 5, 6, 7],
      maxTokens: 100,
      minTokens: 0,
      margin: 1,
      rng: seededRng(3),
    });
    const totals = candidates.map((c) => total(c.counts, pack));
    expect(new Set(totals).size).toBe(candidates.length);
  });

  it('uses only allowed probes and stays within the token cap', () => {
    const pack = designPack({
      candidates,
      allowed: [1, 2, 3, 5],
      maxTokens: 6,
      minTokens: 6,
      margin: 4,
      rng: seededRng(3),
    });
    expect(pack.every((p) => [1, 2, 3, 5].includes(p))).toBe(true);
    expect(Math.max(...candidates.map((c) => total(c.counts, pack)))).toBeLessThanOrEqual(6);
  });

  it('is deterministic for a seed', () => {
    const make = () =>
      designPack({
        candidates,
        allowed: [0, 1, 2, 3, 4, 5, 6, 7],
        maxTokens: 20,
        minTokens: 12,
        margin: 2,
        rng: seededRng(9),
        labels: ['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd'],
      });
    expect(make()).toEqual(make());
  });
});

describe('designPack with the separating probes given', () => {
  it('starts from them instead of choosing its own, then adds coverage up to the minimum', () => {
    const labels = ['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd'];
    const own = designPack({
      candidates,
      allowed: [0, 1, 2, 3, 4, 5, 6, 7],
      maxTokens: 100,
      minTokens: 0,
      margin: 1,
      rng: seededRng(3),
    });
    const given = [4, 0];
    expect(own).not.toEqual(given);
    const pack = designPack({
      candidates,
      allowed: [0, 1, 2, 3, 4, 5, 6, 7],
      maxTokens: 100,
      minTokens: 8,
      margin: 1,
      rng: seededRng(3),
      labels,
      separating: given,
    });
    expect(pack.slice(0, 2)).toEqual(given);
    expect(new Set(pack).size).toBe(pack.length);
    expect(Math.max(...candidates.map((c) => total(c.counts, pack)))).toBeGreaterThanOrEqual(8);
  });

  it('separatingProbes returns only what the greedy rounds chose, what designPack starts its pack with', () => {
    const allowed = [0, 1, 2, 3, 4, 5, 6, 7];
    const separating = separatingProbes({ candidates, allowed, maxTokens: 100, margin: 1, rng: seededRng(5) });
    const totals = candidates.map((c) => total(c.counts, separating));
    expect(new Set(totals).size).toBe(candidates.length);
    const pack = designPack({
      candidates,
      allowed,
      maxTokens: 100,
      minTokens: 16,
      margin: 1,
      rng: seededRng(5),
      labels: ['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd'],
    });
    expect(pack.slice(0, separating.length)).toEqual(separating);
    expect(pack.length).toBeGreaterThan(separating.length);
  });
});
