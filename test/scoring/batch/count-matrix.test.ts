import { describe, expect, it } from 'vitest';
import type { SignatureGroup } from '../../../src/scoring/hypotheses.js';
import { countMatrix, matrixPackTotals } from '../../../src/scoring/batch/count-matrix.js';
import { packTotal } from '../../../src/signatures/observations.js';
import { seededRng } from '../../../src/util/rng.js';

const group = (counts: number[]): SignatureGroup => ({
  classIds: [],
  family: 'f',
  references: [],
  models: [],
  counts: Int32Array.from(counts),
  weight: 1,
});

describe('the count matrix', () => {
  it('holds every count in the narrowest array that fits them', () => {
    expect(countMatrix([group([1, 255]), group([0, 3])]).counts).toBeInstanceOf(Uint8Array);
    expect(countMatrix([group([1, 2]), group([256, 3])]).counts).toBeInstanceOf(Uint16Array);
    expect(countMatrix([group([1, 70_000]), group([0, 3])]).counts).toBeInstanceOf(Int32Array);
    const wide = countMatrix([group([1, 2, 3]), group([4, 70_000, 6])]);
    expect(Array.from(wide.counts)).toEqual([1, 4, 2, 70_000, 3, 6]);
  });

  it('gives the pack totals packTotal gives, repeated probes included, past a transpose block', () => {
    const rng = seededRng(5);
    const groups = Array.from({ length: 150 }, () =>
      group(Array.from({ length: 40 }, () => rng.int(0, rng.next() < 0.05 ? 400 : 9))),
    );
    const packs = [[], [1, 2, 3], [4, 4, 39, 0], Array.from({ length: 20 }, () => rng.int(0, 39))];
    const totals = matrixPackTotals({ packs, observed: packs.map(() => 0) }, countMatrix(groups));
    packs.forEach((pack, k) =>
      groups.forEach((g, m) => expect(totals[k * groups.length + m]).toBe(packTotal(g.counts, pack))),
    );
  });
});
