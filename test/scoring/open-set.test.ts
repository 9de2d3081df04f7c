import { describe, expect, it } from 'vitest';
import type { CountIndex } from '../../src/signatures/count-index.js';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import {
  NEAR_INDEXED,
  OUTSIDE_SPREAD,
  nearIndexedDensity,
  unknownPackLikelihood,
  unknownWindow,
} from '../../src/scoring/open-set.js';
import { posterior } from '../../src/scoring/posterior.js';
import { decide } from '../../src/scoring/verdict.js';
import { packTotal } from '../../src/signatures/observations.js';

describe('unknownPackLikelihood', () => {
  const [lowest, highest] = [300, 420];
  const predictions = [300, 340, 340, 420];
  const weights = [1, 1, 1, 1];
  const unknownAt = (y: number) =>
    unknownPackLikelihood(y, lowest, highest, nearIndexedDensity(y, predictions, weights));

  it('is a distribution, its spread part over the wide window, most of it between the indexed predictions', () => {
    const { lo, hi } = unknownWindow([lowest, highest]);
    const [from, to] = [lowest * (1 - OUTSIDE_SPREAD.margin), highest * (1 + OUTSIDE_SPREAD.margin)];
    let total = 0;
    let spread = 0;
    let between = 0;
    for (let y = lo - 200; y <= hi + 200; y++) {
      total += unknownAt(y);
      if (y < lo || y > hi) continue;
      const l = unknownPackLikelihood(y, lowest, highest);
      spread += l;
      if (y >= from && y <= to) between += l;
    }
    // the part near the predictions is normalised per count, its scale growing with the count: nearly one
    expect(Math.abs(total - 1)).toBeLessThan(0.03);
    const share = 1 - NEAR_INDEXED.share;
    expect(spread).toBeCloseTo(share, 6);
    const wideShare = (to - from + 1) / (hi - lo + 1);
    expect(between).toBeCloseTo(share * (OUTSIDE_SPREAD.between + (1 - OUTSIDE_SPREAD.between) * wideShare), 6);
    expect(unknownAt(360)).toBeGreaterThan(4 * unknownAt(700));
    expect(unknownAt(hi + 50)).toBeLessThan(unknownAt(hi));
  });

  // Large vocabularies count common text alike: a tokenizer outside the index lands on a count two indexed classes
  // share more often than between them.
  it('puts more of its mass where indexed classes count a pack than between them', () => {
    expect(unknownAt(340)).toBeGreaterThan(1.5 * unknownAt(380));
    expect(nearIndexedDensity(340, predictions, weights)).toBeGreaterThan(
      2 * nearIndexedDensity(340, [300, 420], [1, 1]),
    );
  });

  it('weighs each prediction by its class', () => {
    expect(nearIndexedDensity(300, [300, 420], [3, 1])).toBeGreaterThan(nearIndexedDensity(300, [300, 420], [1, 3]));
  });
});

// Packs of a realistic size; a tokenizer outside the index counts between the indexed ones but fits none.
const probes = Array.from({ length: 8 }, (_, i) => ({
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
    reference('a', [100, 200, 300, 400, 150, 250, 120, 330]),
    reference('b', [130, 240, 330, 470, 190, 230, 160, 380]),
    reference('c', [160, 190, 360, 430, 170, 290, 140, 300]),
  ],
  classes: ['a', 'b', 'c'].map((id) => ({ id, family: id, members: [id], models: [] })),
};
const groups = signatureGroups(index);
const packs = [[], [0, 1], [2, 3], [4, 5], [6, 7]];
const untouched = [1, 0.7, 0.7, 0.7, 0.1];
const observe = (counts: number[], offset: number, moved: number[] = [0, 0, 0, 0, 0]) =>
  packs.map((pack, k) => packTotal(Int32Array.from(counts), pack) + offset + moved[k]);

describe('the open-set decision', () => {
  it('says unknown when every pack falls between the indexed predictions and fits none of them', () => {
    const outside = [120, 220, 320, 450, 165, 265, 135, 355];
    const post = posterior({ packs, observed: observe(outside, 700), untouched }, groups);
    expect(decide(post, true)?.status).toBe('unknown');
    expect(post.unknown).toBeGreaterThan(0.9);
  });

  it('still says derived when a copy of a reference fits it exactly where its change did not reach', () => {
    const post = posterior(
      { packs, observed: observe([100, 200, 300, 400, 150, 250, 120, 330], 700, [0, 0, -35, 0, -20]), untouched },
      groups,
    );
    expect(decide(post, true)).toMatchObject({ status: 'derived', reference: 'a' });
  });
});
