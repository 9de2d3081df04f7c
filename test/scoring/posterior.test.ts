import { describe, expect, it } from 'vitest';
import type { CountIndex } from '../../src/signatures/count-index.js';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import { posterior } from '../../src/scoring/posterior.js';
import { UNTOUCHED_BY_KIND } from '../../src/scoring/noise.js';
import { decide } from '../../src/scoring/verdict.js';
import { packTotal } from '../../src/signatures/observations.js';

const probes = Array.from({ length: 6 }, (_, i) => ({
  id: `p${i}`,
  text: `t${i}`,
  category: 'words' as const,
  why: '',
  source: 'handwritten' as const,
}));
const reference = (id: string, counts: number[]) => ({
  id,
  family: id,
  classId: id,
  models: [],
  counts: Int32Array.from(counts),
});
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

  // Packs of a realistic size (hundreds of tokens), where an unindexed tokenizer strays by a large share.
  const large = (counts: number[]) => counts.map((c) => c * 10);
  const largeIndex: CountIndex = {
    ...index,
    references: index.references.map((r) => ({ ...r, counts: Int32Array.from(r.counts, (c) => c * 10) })),
  };
  const largeGroups = signatureGroups(largeIndex);

  it('says unknown when the counts stray from every reference, both ways and by a large share', () => {
    // pack totals 2,500 (every reference counts 3,000 to 3,700), 9,200 (7,000 to 8,000) and 7,500 (4,200 to 11,000)
    const observed = [500, 3000, 9700, 8000];
    const post = posterior({ packs, observed }, largeGroups);
    expect(post.unknown).toBeGreaterThan(0.9);
    expect(decide(post, true)?.status).toBe('unknown');
  });

  it('says derived when packs fit a reference exactly and one falls short of it by a few percent', () => {
    const post = posterior(
      { packs, observed: observe(large([10, 20, 30, 40, 50, 60]), 800, [0, 0, 0, -40]) },
      largeGroups,
    );
    expect(decide(post, true)).toMatchObject({ status: 'derived', reference: 'a' });
  });

  it('does not call derived what strays from a reference in both directions', () => {
    const post = posterior(
      { packs, observed: observe(large([10, 20, 30, 40, 50, 60]), 800, [0, 45, -30, 60]) },
      largeGroups,
    );
    expect(decide(post, true)?.status).not.toBe('match');
    const a = post.groups.find((g) => g.group.references[0] === 'a')!;
    const oneWay = posterior(
      { packs, observed: observe(large([10, 20, 30, 40, 50, 60]), 800, [0, 45, 30, 60]) },
      largeGroups,
    );
    expect(oneWay.groups.find((g) => g.group.references[0] === 'a')!.derived).toBeGreaterThan(a.derived);
  });

  it('weighs an exact edge check as strong evidence of a match, and a moved one as evidence of a derived copy', () => {
    const exact = observe([10, 20, 30, 40, 50, 60], 80);
    const kinds = { untouched: [1, UNTOUCHED_BY_KIND.stratum, UNTOUCHED_BY_KIND.stratum, UNTOUCHED_BY_KIND.edge] };
    const withEdge = posterior({ packs, observed: exact, ...kinds }, groups);
    const without = posterior({ packs, observed: exact }, groups);
    const a = (post: typeof withEdge) => post.groups.find((g) => g.group.references[0] === 'a')!;
    expect(decide(withEdge, false)).toMatchObject({ status: 'match', reference: 'a' });
    expect(a(withEdge).derived).toBeLessThan(0.01);

    const moved = posterior({ packs, observed: observe([10, 20, 30, 40, 50, 60], 80, [0, 0, 0, 9]), ...kinds }, groups);
    expect(decide(moved, true)).toMatchObject({ status: 'derived', reference: 'a' });
    expect(a(moved).derived).toBeGreaterThan(a(without).derived);
  });

  // the last pack as a core check: text the class counts in the fewest tokens, which only pruning moves far
  it('reads a core check strayed far against any change, and one that fits with the change', () => {
    const kinds = {
      untouched: [1, UNTOUCHED_BY_KIND.stratum, UNTOUCHED_BY_KIND.edge, UNTOUCHED_BY_KIND.core],
      coreOf: [null, null, null, 'a'],
    };
    const counts = large([10, 20, 30, 40, 50, 60]);
    const a = (post: ReturnType<typeof posterior>) => post.groups.find((g) => g.group.references[0] === 'a')!;
    // counts moved both ways, and the core by 40% of its 1,100 tokens: no such change moves a core so far
    const mixed = { packs, observed: observe(counts, 800, [0, -30, 60, 440]) };
    const asCore = posterior({ ...mixed, ...kinds }, largeGroups);
    const asStratum = posterior({ ...mixed, untouched: kinds.untouched }, largeGroups);
    expect(a(asCore).derived).toBeLessThan(a(asStratum).derived / 100);
    expect(asCore.unknown).toBeGreaterThan(a(asCore).derived);
    // every count moved up, the edge check too: a core holds none of the tokens a pruning to DEEP_MERGES cuts, so a
    // core 31% over is no pruned copy either (read as any pack, it was)
    const up = { packs, observed: observe(counts, 800, [0, 0, 90, 340]) };
    const strayedCore = a(posterior({ ...up, ...kinds }, largeGroups));
    const strayedStratum = a(posterior({ ...up, untouched: kinds.untouched }, largeGroups));
    expect(strayedStratum.derived).toBeGreaterThan(0.5);
    expect(strayedCore.derived).toBeLessThan(strayedStratum.derived / 100);
    // a pruned copy's edge check over and its core exact: the change
    const pruned = posterior({ packs, observed: observe(counts, 800, [0, 0, 90, 0]), ...kinds }, largeGroups);
    expect(decide(pruned, true)).toMatchObject({ status: 'derived', reference: 'a' });
    // a copy whose core moved by a token (as pruned copies' cores did on the derived bench) still reads as a change
    const near = posterior({ packs, observed: observe(counts, 800, [0, 0, -60, -1]), ...kinds }, largeGroups);
    expect(decide(near, true)).toMatchObject({ status: 'derived', reference: 'a' });
  });
});
