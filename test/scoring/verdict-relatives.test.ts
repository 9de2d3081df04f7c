import { beforeAll, describe, expect, it } from 'vitest';
import { verdictHeadline } from '../../src/report/verdict-headline.js';
import type { RequestRecord } from '../../src/scoring/identify.js';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import { posterior } from '../../src/scoring/posterior.js';
import { changeKind, nearestRelatives, withRelatives } from '../../src/scoring/verdict-relatives.js';
import { decide } from '../../src/scoring/verdict.js';
import { requestSignature } from '../../src/scoring/request-signature.js';
import type { CountIndex } from '../../src/signatures/count-index.js';
import { stratumOf } from '../../src/probes/probe.js';
import { packTotal } from '../../src/signatures/observations.js';
import { committedCountIndex, withoutClassOf } from '../helpers/count-index.js';

const probes = Array.from({ length: 6 }, (_, i) => ({
  id: `p${i}`,
  text: `t${i}`,
  category: (i < 2 ? 'digits' : 'words') as 'digits' | 'words',
  why: '',
  source: 'handwritten' as const,
}));
const reference = (id: string, counts: number[]) => ({
  id,
  family: `${id}-family`,
  classId: id,
  models: [],
  counts: Int32Array.from(counts),
});
const index: CountIndex = {
  probes,
  references: [reference('a', [100, 200, 300, 400, 150, 250]), reference('b', [140, 260, 290, 470, 170, 230])],
  classes: ['a', 'b'].map((id) => ({ id, family: `${id}-family`, members: [id], models: [] })),
};
const groups = signatureGroups(index);
const strata: RequestRecord['stratum'][] = ['frame', 'structure', 'words', 'edge'];
const packs = [[], [0, 1], [2, 3], [4, 5]];
const records = (counts: number[], offset: number, moved: number[]): RequestRecord[] =>
  packs.map((pack, k) => ({
    seq: k + 1,
    probes: pack.map((p) => `p${p}`),
    promptTokens: packTotal(Int32Array.from(counts), pack) + offset + moved[k],
    stratum: strata[k],
  }));
const scored = (requests: RequestRecord[]) => posterior(requestSignature(requests, index), groups);

describe('verdict relatives', () => {
  it('names the nearest indexed classes with the tokens their predictions are off', () => {
    const requests = records([100, 200, 300, 400, 150, 250], 500, [0, 12, -7, 5]);
    const nearest = nearestRelatives(scored(requests), requests);
    expect(nearest[0]).toMatchObject({ reference: 'a', packs: 3 });
    expect(nearest[0].tokensOff).toBeGreaterThan(0);
    expect(nearest[0].tokensOff).toBeLessThan(nearest[1].tokensOff);
  });

  it('reads the kind of change from the way a derived copy strays from its base', () => {
    const base = [100, 200, 300, 400, 150, 250];
    const kind = (moved: number[]) => {
      const requests = records(base, 500, moved);
      return changeKind(scored(requests).groups.find((g) => g.group.references[0] === 'a')!, requests);
    };
    expect(kind([0, 0, -30, -12])).toBe('extension');
    expect(kind([0, 25, 0, 0])).toBe('pre-tokenizer');
    expect(kind([0, 0, 20, 9])).toBe('pruning');
    expect(kind([0, 0, 20, -15])).toBe('extension and pruning');
    expect(kind([0, 0, 0, 0])).toBeUndefined();
  });

  it('puts the nearest relative in an unknown verdict and its headline', () => {
    const requests = records([120, 230, 290, 430, 160, 240], 500, [0, 0, 0, 0]);
    const post = scored(requests);
    const verdict = withRelatives({ ...decide(post, true)!, status: 'unknown' }, post, requests);
    expect(verdict.nearest?.[0].packs).toBe(3);
    const line = verdictHeadline(verdict, 'confident');
    expect(line).toMatch(/^unknown: none of the indexed families; nearest [ab], \d+ tokens off over 3 packs/);
  });

  it('names the candidate an inconclusive table leads with, beside a nearer exact fit that it ranks lower', () => {
    const requests = records([120, 230, 290, 430, 160, 240], 500, [0, 0, 0, 0]);
    const post = scored(requests);
    const verdict = withRelatives({ ...decide(post, true)!, status: 'inconclusive' }, post, requests);
    const nearest = verdict.nearest![0].reference;
    const other = nearest === 'a' ? 'b' : 'a';
    const leading = (reference: string, match: number, derived: number) => ({
      reference,
      posterior: match + derived,
      match,
      derived,
    });
    expect(verdictHeadline(verdict, 'max-queries', undefined, leading(other, 0.1, 0.745))).toMatch(
      new RegExp(
        `^inconclusive: .*\\(max-queries\\); leaning ${other} at 84\\.5%, as a changed copy; nearest exact fit ${nearest}, \\d+ tokens off over 3 packs$`,
      ),
    );
    expect(verdictHeadline(verdict, 'max-queries', undefined, leading(nearest, 0.7, 0.1))).toMatch(
      new RegExp(`; leaning ${nearest} at 80\\.0%, \\d+ tokens off over 3 packs$`),
    );
    // a changed copy leading is off its unchanged counts by its change
    expect(verdictHeadline(verdict, 'max-queries', undefined, leading(nearest, 0.1, 0.7))).toMatch(
      new RegExp(
        `; leaning ${nearest} at 80\\.0%, as a changed copy \\(its unchanged counts \\d+ tokens off over 3 packs\\)$`,
      ),
    );
    // a table no candidate leads with most of the probability (a tie, or none recorded) names the nearest fit alone
    for (const none of [
      leading(other, 0.2, 0.2),
      leading(other, 0.25, 0.25),
      { ...leading(other, 0, 0), posterior: Number.NaN },
    ])
      expect(verdictHeadline(verdict, 'max-queries', undefined, none)).toMatch(
        new RegExp(`\\(max-queries\\); nearest ${nearest}, \\d+ tokens off over 3 packs$`),
      );
  });
});

/**
 * The change read from the committed index's real counts: Qwen2.5 and Qwen3.5's split share one vocabulary and part
 * only where a combining mark follows a letter, so Qwen2.5 scored without its own class is Qwen3.5's split with a
 * changed pre-tokenizer; a copy that lost rare merges moves other text too.
 */
describe('the kind of change on real counts', () => {
  let index: CountIndex;
  beforeAll(async () => {
    index = await committedCountIndex();
  });
  const counts = (at: CountIndex, id: string) => at.references.find((r) => r.id === id)!.counts;
  /** Packs of 8 probes over the first `n * 8` of `probes`, billed as `billed` counts them over a 300-token frame. */
  const recordsFor = (billed: (p: number) => number, probes: number[], n: number): RequestRecord[] => {
    const packs = [[], ...Array.from({ length: n }, (_, k) => probes.slice(k * 8, (k + 1) * 8))];
    return packs.map((pack, k) => ({
      seq: k + 1,
      probes: pack.map((p) => index.probes[p].id),
      promptTokens: 300 + pack.reduce((sum, p) => sum + billed(p), 0),
      stratum: k === 0 ? 'frame' : 'scripts',
    }));
  };
  const kindOf = (at: CountIndex, requests: RequestRecord[], reference: string) => {
    const post = posterior(requestSignature(requests, at), signatureGroups(at));
    return changeKind(post.groups.find((g) => g.group.references.includes(reference))!, requests, at);
  };

  it("Qwen2.5 without its class is Qwen3.5's split with another pre-tokenizer, not a pruned copy", () => {
    const qwen = counts(index, 'qwen2.5');
    const split = counts(index, 'qwen3.5-split');
    const apart = [...qwen.keys()].filter((p) => qwen[p] !== split[p]);
    const alike = [...qwen.keys()].filter((p) => qwen[p] === split[p] && qwen[p] >= 4);
    const probes = [...apart.slice(0, 16), ...alike.slice(0, 16)];
    const open = withoutClassOf(index, 'qwen2.5');
    const requests = recordsFor((p) => qwen[p], probes, 4);
    expect(kindOf(open, requests, 'qwen3.5-split')).toBe('pre-tokenizer');
  });

  it('a copy that lost its rarest merges reads as pruning, one that splits punctuation as a pre-tokenizer change', () => {
    const nemo = signatureGroups(index).find((g) => g.references.includes('mistral-nemo'))!;
    const { rare, punctuation } = nemo.reductions!;
    const touched = (reduction: Int32Array) =>
      [...nemo.counts.keys()].filter((p) => reduction[p] > 0 && stratumOf(index.probes[p].category) !== 'structure');
    const pruned = recordsFor((p) => nemo.counts[p] + rare[p], touched(rare), 3);
    expect(kindOf(index, pruned, 'mistral-nemo')).toBe('pruning');
    // packs of other strata move under a punctuation split too: the move matches the split, pack by pack
    const resplit = recordsFor((p) => nemo.counts[p] + punctuation[p], touched(punctuation), 3);
    expect(kindOf(index, resplit, 'mistral-nemo')).toBe('pre-tokenizer');
  });
});
