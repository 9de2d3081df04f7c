import { describe, expect, it } from 'vitest';
import { edgeCheckDue, edgeChecksOfLeader, ownFamilyEdge, SECOND_EDGE_STRAY } from '../../src/planning/edge-check.js';
import type { RequestRecord } from '../../src/scoring/identify.js';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import type { Posterior } from '../../src/scoring/posterior.js';
import { committedCountIndex } from '../helpers/count-index.js';

const record = (seq: number, stratum: RequestRecord['stratum']): RequestRecord => ({
  seq,
  probes: [],
  promptTokens: 0,
  stratum,
});

/** Two hypotheses, the first holding `lead` of the mass and the second 0.05 (the rest is unknown); the leader's deviation per request as given. */
async function post(lead: number, deviations: number[]): Promise<Posterior> {
  const [a, b] = signatureGroups(await committedCountIndex());
  const score = (group: typeof a, share: number, dev: number[]) => ({
    group,
    predicted: dev.map(() => 0),
    offset: 0,
    deviations: dev,
    match: share,
    derived: 0,
  });
  return {
    groups: [
      score(a, lead, deviations),
      score(
        b,
        0.05,
        deviations.map(() => 9),
      ),
    ],
    unknown: 0.95 - lead,
  };
}

describe("when the leader's vocabulary edges are checked", () => {
  it('once a hypothesis leads after two requests, and not before', async () => {
    expect(edgeCheckDue(await post(0.9, [0]), [record(1, 'frame')])).toBe(false);
    expect(edgeCheckDue(await post(0.4, [0, 0]), [record(1, 'frame'), record(2, 'words')])).toBe(false);
    expect(edgeCheckDue(await post(0.6, [0, 0]), [record(1, 'frame'), record(2, 'words')])).toBe(true);
  });

  it('again only when the first check strayed by a token or two, which seam noise also explains', async () => {
    const sent = [record(1, 'frame'), record(2, 'words'), record(3, 'edge')];
    for (const stray of [0, 1, 2, 3, 12, -1, -2, -30]) {
      const due = edgeCheckDue(await post(0.9, [0, 0, stray]), sent);
      expect(due, `strayed ${stray}`).toBe(stray !== 0 && Math.abs(stray) <= SECOND_EDGE_STRAY);
    }
    expect(edgeCheckDue(await post(0.9, [0, 0, 1, 1]), [...sent, record(4, 'edge')])).toBe(false);
  });

  it('for a new leader even after another class was checked: an edge check proves nothing about the classes it was not planned for, unless it strayed from a changed leader', async () => {
    const leading = await post(0.9, [0, 0, 0]);
    const leader = leading.groups[0].group.references[0];
    const other = leading.groups[1].group.references[0];
    const sent = (tested: string) => [record(1, 'frame'), record(2, 'words'), { ...record(3, 'edge'), tested }];
    expect(edgeChecksOfLeader(leading, sent(other))).toEqual([]);
    expect(edgeCheckDue(leading, sent(other))).toBe(true);
    expect(edgeChecksOfLeader(leading, sent(leader))).toEqual([2]);
    expect(edgeCheckDue(leading, sent(leader))).toBe(false);
    // Leading as changed, another class's edge check will do where it strayed from the leader (the change is
    // seen); one that landed on the leader's prediction tested none of its edges.
    const changed = (deviations: number[]) => ({
      ...leading,
      groups: leading.groups.map((g, i) => (i === 0 ? { ...g, deviations, match: 0.1, derived: 0.8 } : g)),
    });
    expect(edgeChecksOfLeader(changed([0, 0, 14]), sent(other))).toEqual([2]);
    expect(edgeCheckDue(changed([0, 0, 14]), sent(other))).toBe(false);
    expect(edgeChecksOfLeader(changed([0, 14, 0]), sent(other))).toEqual([]);
    expect(edgeCheckDue(changed([0, 14, 0]), sent(other))).toBe(true);
    expect(edgeChecksOfLeader(changed([0, 14, 0]), sent(leader))).toEqual([2]);
  });
});

describe("whether an edge check was built for the leader's own family", () => {
  it('counts one planned for any class of that family, or naming none, and not one planned for another family', async () => {
    const groups = signatureGroups(await committedCountIndex());
    const leader = groups.find((g) => g.references.includes('yi'))!;
    const other = groups.find((g) => g.family !== leader.family)!;
    const score = (group: typeof leader, derived: number) => ({
      group,
      predicted: [0, 0, 0],
      offset: 0,
      deviations: [0, 0, 30],
      match: 0,
      derived,
    });
    const posterior: Posterior = { groups: [score(other, 0.01), score(leader, 0.9)], unknown: 0.09 };
    const edge = (tested?: string): RequestRecord => ({ ...record(3, 'edge'), ...(tested ? { tested } : {}) });
    const sent = (last: RequestRecord) => [record(1, 'frame'), record(2, 'words'), last];
    expect(ownFamilyEdge(posterior, sent(edge(other.references[0])))).toBe(false);
    expect(ownFamilyEdge(posterior, sent(edge(leader.references[0])))).toBe(true);
    expect(ownFamilyEdge(posterior, sent(edge()))).toBe(true);
    expect(ownFamilyEdge(posterior, sent(record(3, 'scripts')))).toBe(false);
  });
});
