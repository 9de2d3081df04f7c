import { describe, expect, it } from 'vitest';
import { domainField, domainTermCount, isDomainProbe } from '../../src/probes/domain.js';
import { isNormalizationStable } from '../../src/probes/normalization-stable.js';
import { EDGE_UNDER_NOISE, planEdgeCheck } from '../../src/planning/edge-check.js';
import { EDGE_PACK_TOKENS, EXTENSION_COVER, planEdgePack } from '../../src/planning/edge-pack.js';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import { posterior } from '../../src/scoring/posterior.js';
import { requestSignature } from '../../src/scoring/request-signature.js';
import { packTotal } from '../../src/signatures/observations.js';
import { seededRng } from '../../src/util/rng.js';
import { committedCountIndex } from '../helpers/count-index.js';

/** The posterior after the bare frame and one pack of the first 40 probes, billed exactly as `truth` counts. */
async function leading(truth: string) {
  const index = await committedCountIndex();
  const groups = signatureGroups(index);
  const counts = groups.find((g) => g.references.includes(truth))!.counts;
  const pack = Array.from({ length: 40 }, (_, i) => i);
  const requests = [
    { seq: 1, probes: [], promptTokens: 500, stratum: 'frame' },
    {
      seq: 2,
      probes: pack.map((p) => index.probes[p].id),
      promptTokens: 500 + packTotal(counts, pack),
      stratum: 'words',
    },
  ];
  return { index, groups, post: posterior(requestSignature(requests, index), groups), used: new Set(pack), counts };
}

describe('edge pack', () => {
  it('tests the leader where a derived copy differs: its rarest tokens, digit and punctuation runs, words others hold whole', async () => {
    const { index, groups, post, used, counts } = await leading('llama3');
    const pack = planEdgePack({
      post,
      groups,
      index,
      used,
      rng: seededRng(5),
      minTokens: EDGE_PACK_TOKENS.min,
      maxTokens: EDGE_PACK_TOKENS.max,
      margin: 4,
    });
    expect(pack.some((p) => used.has(p))).toBe(false);
    expect(new Set(pack).size).toBe(pack.length);
    expect(packTotal(counts, pack)).toBeLessThanOrEqual(EDGE_PACK_TOKENS.max * 1.2);
    const ids = pack.map((p) => index.probes[p].id);
    expect(ids.some((id) => id.startsWith('rare-llama3'))).toBe(true);
    const reductions = groups.find((g) => g.references.includes('llama3'))!.reductions!;
    const gain = (kind: 'rare' | 'digits' | 'punctuation') => pack.reduce((sum, p) => sum + reductions[kind][p], 0);
    // Pruning its rarest merges, splitting digits or isolating punctuation each moves this request by many tokens.
    expect(gain('rare')).toBeGreaterThanOrEqual(12);
    expect(gain('digits')).toBeGreaterThanOrEqual(12);
    expect(gain('punctuation')).toBeGreaterThanOrEqual(12);
    expect(pack.some((p) => ['indic', 'cjk', 'cyrillic', 'arabic'].includes(index.probes[p].category))).toBe(true);
  });

  it('would move by several tokens whichever other family an extension came from', async () => {
    for (const truth of ['llama3', 'mistral-nemo', 'gemma3', 'o200k']) {
      const { index, groups, post, used, counts } = await leading(truth);
      const pack = planEdgePack({
        post,
        groups,
        index,
        used,
        rng: seededRng(5),
        minTokens: EDGE_PACK_TOKENS.min,
        maxTokens: EDGE_PACK_TOKENS.max,
        margin: 4,
      });
      const own = groups.find((g) => g.references.includes(truth))!;
      const unused = index.probes
        .map((_, p) => p)
        .filter((p) => !used.has(p) && isNormalizationStable(index.probes[p].text));
      const families = [...new Set(groups.map((g) => g.family))].filter((f) => f !== own.family);
      for (const family of families) {
        const members = groups.filter((g) => g.family === family);
        // What that family's whole words would take off each probe: the leader's count less the family's least.
        const gain = (probes: number[]) =>
          probes.reduce((sum, p) => sum + Math.max(0, counts[p] - Math.min(...members.map((g) => g.counts[p]))), 0);
        expect(gain(pack), `${truth} extended from ${family}`).toBeGreaterThanOrEqual(
          Math.min(EXTENSION_COVER, gain(unused)),
        );
      }
    }
  });

  it('leaves out text that Unicode normalization changes, which a serving engine may tokenize otherwise', async () => {
    for (const truth of ['qwen2.5', 'gemma3', 'o200k-harmony']) {
      const { index, groups, post, used } = await leading(truth);
      const unstable = index.probes.flatMap((probe, p) => (isNormalizationStable(probe.text) ? [] : [p]));
      expect(unstable.length).toBeGreaterThan(0);
      const pack = planEdgePack({
        post,
        groups,
        index,
        used,
        rng: seededRng(5),
        minTokens: EDGE_PACK_TOKENS.min,
        maxTokens: EDGE_PACK_TOKENS.max,
        margin: 4,
      });
      expect(
        pack.filter((p) => unstable.includes(p)).map((p) => index.probes[p].id),
        truth,
      ).toEqual([]);
    }
  });

  it("holds domain terms of every field the leader splits, so a copy extended with one field's words counts fewer", async () => {
    for (const truth of ['qwen2.5', 'llama3', 'deepseek-v3']) {
      const { index, groups, post, used, counts } = await leading(truth);
      const pack = planEdgePack({
        post,
        groups,
        index,
        used,
        rng: seededRng(5),
        minTokens: EDGE_PACK_TOKENS.min,
        maxTokens: EDGE_PACK_TOKENS.max,
        margin: 4,
      });
      // A copy holding a field's terms whole bills one token per term.
      const saving = (probes: number[], join: (a: number, b: number) => number) => {
        const saved = new Map<string, number>();
        for (const p of probes) {
          const probe = index.probes[p];
          const tokens = counts[p] - domainTermCount(probe);
          if (isDomainProbe(probe) && tokens > 0)
            saved.set(domainField(probe), join(saved.get(domainField(probe)) ?? 0, tokens));
        }
        return saved;
      };
      const best = saving(
        index.probes.map((_, p) => p).filter((p) => !used.has(p)),
        (a, b) => Math.max(a, b),
      );
      const saved = saving(pack, (a, b) => a + b);
      expect(best.size, truth).toBeGreaterThanOrEqual(5);
      for (const [field, most] of best)
        expect(saved.get(field) ?? 0, `${truth} ${field}`).toBeGreaterThanOrEqual(Math.min(4, most));
    }
  });

  it('under a measured spread, would move by several times the usual tokens whichever family an extension came from', async () => {
    const spread = 4;
    for (const truth of ['llama3', 'mistral-v1', 'baichuan2']) {
      const { index, groups, post, used, counts } = await leading(truth);
      const quiet = planEdgeCheck(post, groups, index, new Set(used), seededRng(5))!;
      const noisy = planEdgeCheck(post, groups, index, new Set(used), seededRng(5), spread)!;
      const own = groups.find((g) => g.references.includes(truth))!;
      // the hidden part moves a request alike however large: the check grows, but within its bound
      expect(packTotal(counts, noisy.pack)).toBeGreaterThan(packTotal(counts, quiet.pack));
      expect(packTotal(counts, noisy.pack)).toBeLessThanOrEqual(
        EDGE_PACK_TOKENS.max * (1 + EDGE_UNDER_NOISE.growthPerToken * spread) * 1.2,
      );
      const families = [...new Set(groups.map((g) => g.family))].filter((f) => f !== own.family);
      let quietTotal = 0;
      let noisyTotal = 0;
      for (const family of families) {
        const members = groups.filter((g) => g.family === family);
        // what that family's whole words would take off the check
        const gain = (probes: number[]) =>
          probes.reduce((sum, p) => sum + Math.max(0, counts[p] - Math.min(...members.map((g) => g.counts[p]))), 0);
        expect(gain(noisy.pack), `${truth} extended from ${family}`).toBeGreaterThanOrEqual(gain(quiet.pack));
        quietTotal += gain(quiet.pack);
        noisyTotal += gain(noisy.pack);
      }
      // an extension from any family moves the check by more than it would without the noise
      expect(noisyTotal, truth).toBeGreaterThanOrEqual(1.5 * quietTotal);
    }
  });

  it('is the same for the same seed', async () => {
    const { index, groups, post, used } = await leading('qwen2.5');
    const plan = () =>
      planEdgePack({
        post,
        groups,
        index,
        used,
        rng: seededRng(9),
        minTokens: EDGE_PACK_TOKENS.min,
        maxTokens: EDGE_PACK_TOKENS.max,
        margin: 4,
      });
    expect(plan()).toEqual(plan());
    expect(plan().some((p) => index.probes[p].id.startsWith('rare-qwen2.5'))).toBe(true);
  });
});
