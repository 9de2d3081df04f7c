import { describe, expect, it } from 'vitest';
import type { ChannelScore } from '../../../src/scoring/channels/channel.js';
import type { ChannelName } from '../../../src/scoring/channels/registry.js';
import { fuseChannels, USAGE_COUNT_INCONSISTENT } from '../../../src/scoring/channels/fuse.js';
import { signatureGroups } from '../../../src/scoring/hypotheses.js';
import type { Posterior } from '../../../src/scoring/posterior.js';
import { committedCountIndex } from '../../helpers/count-index.js';

/** Counts that all but settle on `leader` (the billed usage of a provider that recounts). */
async function countsFor(leader: string): Promise<{ count: Posterior; at: (id: string) => number }> {
  const groups = signatureGroups(await committedCountIndex());
  const at = (id: string) => groups.findIndex((g) => g.references.includes(id));
  const count: Posterior = {
    groups: groups.map((group, i) => ({
      group,
      predicted: [0],
      offset: 0,
      deviations: [0],
      match: i === at(leader) ? 0.998 : 0.001 / groups.length,
      derived: i === at(leader) ? 0.001 : 0,
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
    expect(leaning.consistency).toEqual({ flags: [], disputed: true });
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
});
