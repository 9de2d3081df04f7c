import { describe, expect, it } from 'vitest';
import type { CountIndex } from '../../src/signatures/count-index.js';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import { posterior } from '../../src/scoring/posterior.js';
import { decide } from '../../src/scoring/verdict.js';
import { packTotal } from '../../src/signatures/observations.js';

const probes = Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, text: `t${i}`, category: 'words' as const, why: '', source: 'handwritten' as const }));
const reference = (id: string, counts: number[]) => ({ id, family: id, classId: id, models: [], counts: Int32Array.from(counts) });
const index: CountIndex = {
  probes,
  references: [
    reference('a', [10, 20, 30, 40, 50, 60]),
    reference('b', [12, 20, 33, 41, 50, 66]),
    reference('c', [10, 25, 30, 47, 52, 60]),
  ],
  classes: ['a', 'b', 'c'].map((id) => ({ id, family: id, members: [id], models: [] })),
};
const groups = signatureGroups(index);
const packs = [[], [0, 1], [2, 3], [4, 5]];
const observe = (counts: number[], offset: number, moved: number[] = [0, 0, 0, 0]) =>
  packs.map((pack, k) => packTotal(Int32Array.from(counts), pack) + offset + moved[k]);

describe('posterior', () => {
  it('names the reference whose counts fit, whatever the constant', () => {
    for (const offset of [0, 17, 1234]) {
      const post = posterior({ packs, observed: observe([10, 20, 30, 40, 50, 60], offset) }, groups);
      expect(decide(post, false)).toMatchObject({ status: 'match', reference: 'a' });
    }
  });

  it('tolerates a one-token seam effect', () => {
    const post = posterior({ packs, observed: observe([12, 20, 33, 41, 50, 66], 300, [0, 1, 0, 0]) }, groups);
    const best = [...post.groups].sort((x, y) => y.match - x.match)[0];
    expect(best.group.references).toEqual(['b']);
  });

  it('says unknown when no reference fits any pack', () => {
    const post = posterior({ packs, observed: observe([14, 26, 36, 45, 57, 70], 50) }, groups);
    expect(post.unknown).toBeGreaterThan(0.9);
    expect(decide(post, true)?.status).toBe('unknown');
  });

  it('says derived when one pack fits a reference exactly and another falls short', () => {
    const post = posterior({ packs, observed: observe([10, 20, 30, 40, 50, 60], 80, [0, 0, 0, -12]) }, groups);
    expect(decide(post, true)).toMatchObject({ status: 'derived', reference: 'a' });
  });
});
