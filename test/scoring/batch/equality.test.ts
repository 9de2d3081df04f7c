import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { posterior } from '../../../src/scoring/posterior.js';
import { rankedGroups, decide } from '../../../src/scoring/verdict.js';
import type { SignatureGroup } from '../../../src/scoring/hypotheses.js';
import { posteriorOf, ranking, type BatchScores } from '../../../src/scoring/batch/batch-scores.js';
import { OnnxScorer } from '../../../src/scoring/batch/onnx-batch.js';
import type { CountSignature } from '../../../src/signatures/observations.js';
import { packTotal } from '../../../src/signatures/observations.js';
import { seededRng } from '../../../src/util/rng.js';
import { committedCountIndex } from '../../helpers/count-index.js';
import { close, groupsOf, randomIndex, randomSignatures, roundedRanking } from './fixtures.js';

/** Compares the graph's scores with the live posterior, set by set. */
function expectSameAsPosterior(
  scores: BatchScores,
  signatures: readonly CountSignature[],
  groups: readonly SignatureGroup[],
) {
  signatures.forEach((signature, n) => {
    const js = posterior(signature, groups);
    const M = groups.length;
    const where = `set ${n} ${JSON.stringify(signature.observed)}`;
    expect(close(scores.unknown[n], js.unknown), `${where}: unknown ${scores.unknown[n]} vs ${js.unknown}`).toBe(true);
    js.groups.forEach((g, m) => {
      expect(
        close(scores.match[n * M + m], g.match),
        `${where} group ${m}: match ${scores.match[n * M + m]} vs ${g.match}`,
      ).toBe(true);
      expect(
        close(scores.derived[n * M + m], g.derived),
        `${where} group ${m}: derived ${scores.derived[n * M + m]} vs ${g.derived}`,
      ).toBe(true);
      if (g.match > 0) expect(scores.offset[n * M + m], `${where} group ${m}: offset`).toBe(g.offset);
    });
    // The ranking verdicts and reports use: rankedGroups over the posterior, and the verdict itself.
    const onnx = posteriorOf(scores, n, signature, groups);
    const fromJs = {
      ...scores,
      sets: 1,
      match: Float64Array.from(js.groups.map((g) => g.match)),
      derived: Float64Array.from(js.groups.map((g) => g.derived)),
    };
    expect(roundedRanking(scores, n), where).toEqual(roundedRanking(fromJs, 0));
    // Where the posterior has a strict leader, the batch ranking (rankedGroups' order) starts with it.
    const [first, second] = rankedGroups(js);
    if (second && !close(first.match + first.derived, second.match + second.derived))
      expect(ranking(scores, n)[0], where).toBe(groups.indexOf(first.group));
    for (const final of [false, true]) {
      const [a, b] = [decide(onnx, final), decide(js, final)];
      expect(a && { ...a, confidence: 0 }, where).toEqual(b && { ...b, confidence: 0 });
      if (a && b) expect(close(a.confidence, b.confidence), where).toBe(true);
    }
  });
}

describe('batch scoring on onnxruntime equals the count posterior', () => {
  const scorers: OnnxScorer[] = [];
  const scorer = async (groups: readonly SignatureGroup[]) => {
    const s = await OnnxScorer.create(groups);
    scorers.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of scorers) await s.release();
  });

  it('on random indexes and observation sets, including padded, frameless and overlapping ones', async () => {
    const rng = seededRng(7);
    for (const [references, probes, sets] of [
      [3, 20, 40],
      [25, 60, 60],
      [200, 150, 30],
    ] as const) {
      const index = randomIndex(rng, references, probes);
      const groups = groupsOf(index);
      const signatures = randomSignatures(rng, groups, probes, sets);
      const scores = await (await scorer(groups)).score(signatures);
      expectSameAsPosterior(scores, signatures, groups);
    }
  });

  describe('on the committed index', () => {
    let groups: SignatureGroup[];
    let onnx: OnnxScorer;
    beforeAll(async () => {
      groups = groupsOf(await committedCountIndex());
      onnx = await scorer(groups);
    });

    it('for targets on every group, exact, with seam noise, moved packs or no indexed tokenizer', async () => {
      const rng = seededRng(11);
      const signatures = randomSignatures(rng, groups, groups[0].counts.length, 120);
      expectSameAsPosterior(await onnx.score(signatures), signatures, groups);
    });

    it('names the same group as the posterior for each reference behind an exact target', async () => {
      const rng = seededRng(12);
      const P = groups[0].counts.length;
      const order = rng.shuffle(Array.from({ length: P }, (_, i) => i));
      const packs = [[], ...Array.from({ length: 5 }, (_, k) => order.slice(k * 45, k * 45 + 45))];
      const signatures = groups.map((g) => ({ packs, observed: packs.map((pack) => packTotal(g.counts, pack) + 777) }));
      const scores = await onnx.score(signatures);
      expectSameAsPosterior(scores, signatures, groups);
      // A group the packs cannot tell from the target's (r50k and p50k differ only in whitespace runs) may tie with it.
      const totals = (m: number) => packs.map((pack) => packTotal(groups[m].counts, pack)).join(' ');
      signatures.forEach((_, n) => expect(totals(ranking(scores, n)[0])).toBe(totals(n)));
      expect(signatures.filter((_, n) => ranking(scores, n)[0] === n).length).toBeGreaterThan(groups.length - 3);
    });
  });
});
