import { describe, expect, it } from 'vitest';
import { verdictHeadline } from '../../src/report/verdict-headline.js';
import type { RequestRecord } from '../../src/scoring/identify.js';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import { posterior } from '../../src/scoring/posterior.js';
import { changeKind, nearestRelatives, withRelatives } from '../../src/scoring/verdict-relatives.js';
import { decide } from '../../src/scoring/verdict.js';
import { requestSignature } from '../../src/scoring/request-signature.js';
import type { CountIndex } from '../../src/signatures/count-index.js';
import { packTotal } from '../../src/signatures/observations.js';

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
});
