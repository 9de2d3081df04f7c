import { describe, expect, it } from 'vitest';
import { posterior } from '../../../src/scoring/posterior.js';
import { UNTOUCHED_BY_KIND } from '../../../src/scoring/noise.js';
import { PRIOR, type SignatureGroup } from '../../../src/scoring/hypotheses.js';
import { unknownLikelihood } from '../../../src/scoring/open-set.js';
import { countMatrix, matrixPackTotals } from '../../../src/scoring/batch/count-matrix.js';
import { kernelPosterior } from '../../../src/scoring/batch/posterior-kernel.js';
import type { CountSignature } from '../../../src/signatures/observations.js';
import { packTotal } from '../../../src/signatures/observations.js';
import { seededRng } from '../../../src/util/rng.js';
import { committedCountIndex } from '../../helpers/count-index.js';
import { close, groupsOf, randomIndex, randomSignatures } from './fixtures.js';

/** The kernel over every group, normalised with the full index's unknown window, as the live posterior is. */
function kernelOnAll(signature: CountSignature, groups: readonly SignatureGroup[]) {
  const totals = matrixPackTotals(signature, countMatrix(groups));
  const M = groups.length;
  const K = signature.packs.length;
  const lowest = Array.from({ length: K }, (_, k) => Math.min(...totals.subarray(k * M, k * M + M)));
  const highest = Array.from({ length: K }, (_, k) => Math.max(...totals.subarray(k * M, k * M + M)));
  return kernelPosterior(
    signature,
    groups,
    totals,
    groups.map((_, m) => m),
    PRIOR.unknown * unknownLikelihood(signature, lowest, highest, totals, groups),
  );
}

function expectSameAsPosterior(signature: CountSignature, groups: readonly SignatureGroup[]) {
  const live = posterior(signature, groups);
  const fast = kernelOnAll(signature, groups);
  const where = `observed ${JSON.stringify(signature.observed)}`;
  expect(close(fast.unknown, live.unknown), where).toBe(true);
  live.groups.forEach((g, m) => {
    const f = fast.groups[m];
    expect(f.group, where).toBe(g.group);
    expect(close(f.match, g.match), `${where} group ${m} match ${f.match} vs ${g.match}`).toBe(true);
    expect(close(f.derived, g.derived), `${where} group ${m} derived ${f.derived} vs ${g.derived}`).toBe(true);
    expect(f.offset, where).toBe(g.offset);
    expect(f.predicted, where).toEqual(g.predicted);
    expect(f.deviations, where).toEqual(g.deviations);
  });
}

describe('the typed-array posterior kernel equals the live posterior', () => {
  it('with each request weighed by its kind (stratum packs and edge checks)', () => {
    const rng = seededRng(37);
    const groups = groupsOf(randomIndex(rng, 40, 60));
    for (const signature of randomSignatures(rng, groups, 60, 60)) {
      const untouched = signature.packs.map(() => rng.pick([UNTOUCHED_BY_KIND.stratum, UNTOUCHED_BY_KIND.edge]));
      expectSameAsPosterior({ ...signature, untouched }, groups);
    }
  });

  it('on random indexes and observation sets, including frameless, overlapping and repeated probes', () => {
    const rng = seededRng(31);
    for (const [references, probes, sets] of [
      [3, 20, 60],
      [40, 60, 60],
      [300, 150, 40],
    ] as const) {
      const groups = groupsOf(randomIndex(rng, references, probes));
      for (const signature of randomSignatures(rng, groups, probes, sets)) expectSameAsPosterior(signature, groups);
    }
  });

  it('with counts too large for a byte and observations off by far more than the tables reach', () => {
    const rng = seededRng(32);
    const index = randomIndex(rng, 30, 50);
    for (const r of index.references) r.counts = r.counts.map((c) => c * 40);
    const groups = groupsOf(index);
    for (const signature of randomSignatures(rng, groups, 50, 40)) expectSameAsPosterior(signature, groups);
    const packs = [[], [1, 2, 3], [4, 5, 6, 7]];
    expectSameAsPosterior({ packs, observed: [100, 100 + 9000, 100 - 5000] }, groups);
  });

  it('on the committed index', async () => {
    const rng = seededRng(33);
    const groups = groupsOf(await committedCountIndex());
    const P = groups[0].counts.length;
    for (const signature of randomSignatures(rng, groups, P, 80)) expectSameAsPosterior(signature, groups);
    const order = rng.shuffle(Array.from({ length: P }, (_, i) => i));
    const packs = [[], ...Array.from({ length: 5 }, (_, k) => order.slice(k * 45, k * 45 + 45))];
    for (const g of groups)
      expectSameAsPosterior({ packs, observed: packs.map((pack) => packTotal(g.counts, pack) + 321) }, groups);
  });
});
