import { describe, expect, it } from 'vitest';
import { CORE_FIT, withoutUncheckedChange } from '../../src/run/unchecked-change.js';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import type { Posterior } from '../../src/scoring/posterior.js';
import { decide } from '../../src/scoring/verdict.js';
import { committedCountIndex } from '../helpers/count-index.js';
import { record } from '../helpers/request-record.js';

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

  // Baichuan 2 with its class left out was read as a changed ChatGLM3 (0.965) after ChatGLM3's core, asked past the
  // request limit, came 5 tokens under: a copy counts its core as the class does
  it('names nothing when its own core strayed past a couple of tokens, where identical requests are billed alike', async () => {
    const post = await changedLeader('chatglm3', 0.96);
    const leader = post.groups.find((g) => g.group.references.includes('chatglm3'))!;
    const sent = [record(1, 'frame'), record(2, 'words'), record(3, 'edge', 'chatglm3'), record(4, 'core', 'chatglm3')];
    const ended = decide(post, true)!;
    expect(ended).toMatchObject({ status: 'derived', reference: 'chatglm3' });
    leader.deviations = [0, 0, -30, -CORE_FIT];
    expect(withoutUncheckedChange(ended, post, sent)).toBe(ended);
    leader.deviations = [0, 0, -30, -CORE_FIT - 3];
    expect(withoutUncheckedChange(ended, post, sent).status).toBe('inconclusive');
    // under a measured spread a core is judged against the bare frame's counts, with the spread
    const repeats = { spread: 2, moves: [3, -1] };
    expect(withoutUncheckedChange(ended, post, sent, repeats)).toBe(ended);
    // 8 from the frame asked again (-1), and no farther
    leader.deviations = [0, 0, -30, -CORE_FIT - 3 * 2 - 1];
    expect(withoutUncheckedChange(ended, post, sent, repeats)).toBe(ended);
    leader.deviations = [0, 0, -30, -CORE_FIT - 3 * 2 - 2];
    expect(withoutUncheckedChange(ended, post, sent, repeats).status).toBe('inconclusive');
  });

  // Yi left out of the index behind a request id (spread 2) was read as a changed deepseek-coder (0.965) with that
  // class's core 21 tokens over the bare frame: the noise does not reach that far
  it('names nothing under a measured spread when its own core lay farther from every count of the frame than it reaches', async () => {
    const post = await changedLeader('deepseek-coder', 0.96);
    const leader = post.groups.find((g) => g.group.references.includes('deepseek-coder'))!;
    const sent = [
      record(1, 'frame'),
      record(2, 'words'),
      record(3, 'edge', 'deepseek-coder'),
      record(4, 'edge', 'deepseek-coder'),
      record(5, 'core', 'deepseek-coder'),
    ];
    const ended = decide(post, true)!;
    leader.deviations = [-13, 13, -83, -85, 8];
    expect(withoutUncheckedChange(ended, post, sent, { spread: 2, moves: [2] }).status).toBe('inconclusive');
    // a copy's core lies with the frame, each moved by the hidden part
    leader.deviations = [-13, 13, -83, -85, -10];
    expect(withoutUncheckedChange(ended, post, sent, { spread: 2, moves: [2] })).toBe(ended);
  });
});
