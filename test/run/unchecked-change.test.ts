import { describe, expect, it } from 'vitest';
import { withoutUncheckedChange } from '../../src/run/unchecked-change.js';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import type { RequestRecord } from '../../src/scoring/identify.js';
import type { Posterior } from '../../src/scoring/posterior.js';
import { decide } from '../../src/scoring/verdict.js';
import { committedCountIndex } from '../helpers/count-index.js';

const record = (seq: number, stratum: RequestRecord['stratum'], tested?: string): RequestRecord => ({
  seq,
  probes: [],
  promptTokens: 0,
  stratum,
  ...(tested ? { tested } : {}),
});

/** A changed `leader` holding `lead`, 0.01 spread over the other groups, the rest to a tokenizer outside the index. */
async function changedLeader(leader: string, lead: number): Promise<Posterior> {
  const groups = signatureGroups(await committedCountIndex());
  const scores = groups.map((group) => ({
    group,
    predicted: [],
    offset: 0,
    deviations: [],
    match: 0,
    derived: group.references.includes(leader) ? lead : 0.01 / groups.length,
  }));
  return { groups: scores, unknown: 1 - scores.reduce((sum, s) => sum + s.derived, 0) };
}

// Gemma 2 with its class left out, a budget with no room past --max-queries, once ended with the counts leaning to a
// changed Gemma 3 (0.910), neither Gemma's edges nor its core ever asked. Named so, a tokenizer outside the index would
// read as a changed copy of another vocabulary. (The live run's end and rescore both pass through this rule.)
describe('a change the budget ran out on before its family was checked', () => {
  it('names nothing until its own edges or core were asked', async () => {
    const post = await changedLeader('gemma3', 0.93);
    const ended = decide(post, true)!;
    expect(ended).toMatchObject({ status: 'derived', reference: 'gemma3' });
    const counts = [record(1, 'frame'), record(2, 'words'), record(3, 'scripts'), record(4, 'edge', 'o200k')];
    const unchecked = withoutUncheckedChange(ended, post, counts);
    expect(unchecked.status).toBe('inconclusive');
    expect(unchecked.confidence).toBeCloseTo(0.93);
    expect(withoutUncheckedChange(ended, post, [...counts, record(5, 'core', 'gemma3')])).toBe(ended);
    expect(withoutUncheckedChange(ended, post, [...counts, record(5, 'edge', 'gemma3')])).toBe(ended);
  });
});
