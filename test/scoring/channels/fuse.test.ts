import { describe, expect, it } from 'vitest';
import type { ChannelScore } from '../../../src/scoring/channels/channel.js';
import type { ChannelName } from '../../../src/scoring/channels/registry.js';
import { fuseChannels, SEEN_TOKENS_DISPUTED, USAGE_COUNT_INCONSISTENT } from '../../../src/scoring/channels/fuse.js';
import { annotate } from '../../../src/scoring/channels/runtime.js';
import { decide } from '../../../src/scoring/verdict.js';
import { signatureGroups } from '../../../src/scoring/hypotheses.js';
import type { Posterior } from '../../../src/scoring/posterior.js';
import { committedCountIndex } from '../../helpers/count-index.js';

/** Counts that all but settle on `leader` (the billed usage of a provider that recounts), or on a changed copy of it. */
async function countsFor(leader: string, changed = false): Promise<{ count: Posterior; at: (id: string) => number }> {
  const groups = signatureGroups(await committedCountIndex());
  const at = (id: string) => groups.findIndex((g) => g.references.includes(id));
  const count: Posterior = {
    groups: groups.map((group, i) => ({
      group,
      predicted: [0],
      offset: 0,
      deviations: [0],
      match: i === at(leader) ? (changed ? 0.001 : 0.998) : 0.001 / groups.length,
      derived: i === at(leader) ? (changed ? 0.998 : 0.001) : 0,
    })),
    unknown: 0.001 - 0.001 / groups.length,
  };
  return { count, at };
}

/** A seen channel's log-likelihoods: `toward` gets `nats` over every other group. */
function seen(groups: number, toward: number, nats: number): ChannelScore {
  const match = Array.from({ length: groups }, (_, g) => (g === toward ? 0 : -nats));
  return { match, derived: match, unknown: -nats, note: 'test' };
}

describe('fuseChannels', () => {
  const enabled = new Set<ChannelName>(['usage', 'stream']);

  it('disputes the counts while the tokens seen lean away from their leader, then sets the counts aside once they rule it out', async () => {
    const { count, at } = await countsFor('llama3');
    const n = count.groups.length;
    const quiet = fuseChannels(count, new Map([['stream', seen(n, at('qwen2.5'), 0)]]), enabled);
    expect(quiet.consistency).toEqual({ flags: [] });

    // About what three streamed answers showed against a recounting provider: qwen2.5 0.95, llama3 0.03 among the seen.
    const leaning = fuseChannels(count, new Map([['stream', seen(n, at('qwen2.5'), 3.5)]]), enabled);
    expect(leaning.consistency).toEqual({
      flags: [],
      disputed: true,
      reason: 'the prompt counts fit llama3, but the tokens seen in the answers fit qwen2.5',
    });
    // The counts still carry the fused posterior; only the stop waits.
    expect(leaning.posterior.groups[at('llama3')].match).toBeGreaterThan(0.9);

    const ruled = fuseChannels(count, new Map([['stream', seen(n, at('qwen2.5'), 8)]]), enabled);
    expect(ruled.consistency.flags).toEqual([USAGE_COUNT_INCONSISTENT]);
    expect(ruled.consistency.disputed).toBeUndefined();
    const shares = ruled.posterior.groups.map((g) => g.match + g.derived);
    expect(shares.indexOf(Math.max(...shares))).toBe(at('qwen2.5'));
  });

  it('does not dispute counts the tokens seen agree with, nor without usage counts', async () => {
    const { count, at } = await countsFor('llama3');
    const n = count.groups.length;
    expect(fuseChannels(count, new Map([['stream', seen(n, at('llama3'), 3.5)]]), enabled).consistency).toEqual({
      flags: [],
    });
    expect(
      fuseChannels(count, new Map([['stream', seen(n, at('qwen2.5'), 3.5)]]), new Set<ChannelName>(['stream']))
        .consistency,
    ).toEqual({ flags: [] });
  });

  it('counts naming a changed copy agree with tokens no indexed vocabulary holds unchanged, and the counts name the base', async () => {
    const { count, at } = await countsFor('mistral-v1', true);
    const n = count.groups.length;
    // every vocabulary lacks what was seen; the donor lacks the fewest, so a changed donor leads by the tokens alone
    const lacking = (g: number) => (g === at('deepseek-v3') ? -40 : -400);
    const score: ChannelScore = {
      match: Array.from({ length: n }, (_, g) => lacking(g) - 1e4),
      derived: Array.from({ length: n }, (_, g) => lacking(g)),
      unknown: -300,
      note: 'test',
    };
    const fused = fuseChannels(count, new Map([['logprobs', { ...score, ruling: score }]]), enabled);
    expect(fused.consistency).toEqual({ flags: [] });
    expect(fused.posterior.groups[at('mistral-v1')].derived).toBeGreaterThan(0.99);
  });

  it('counts naming a changed copy beside tokens another vocabulary holds unchanged: disputed, never set aside', async () => {
    const { count, at } = await countsFor('mistral-v1', true);
    const n = count.groups.length;
    const score = seen(n, at('gemma3'), 8);
    const fused = fuseChannels(count, new Map([['logprobs', { ...score, ruling: score }]]), enabled);
    expect(fused.consistency.flags).toEqual([]);
    expect(fused.consistency.disputed).toBe(true);
    expect(fused.consistency.reason).toBe(
      'the prompt counts fit mistral-v1 as a changed copy, but the tokens seen in the answers fit gemma3',
    );
    // a run ending so names nothing
    const ended = annotate(decide(fused.posterior, true)!, {
      ...fused,
      summary: { enabled: [], channels: [], consistency: fused.consistency },
    });
    expect(ended.status).toBe('inconclusive');
    expect(ended.flags).toEqual([SEEN_TOKENS_DISPUTED]);
  });
});
