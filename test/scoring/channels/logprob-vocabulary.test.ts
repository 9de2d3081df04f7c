import { beforeAll, describe, expect, it } from 'vitest';
import { committedIndexDir } from '../../../src/references/catalog.js';
import type { ChannelObservation, ChannelScore } from '../../../src/scoring/channels/channel.js';
import { logprobChannel } from '../../../src/scoring/channels/logprob-channel.js';
import { type SignatureGroup, signatureGroups } from '../../../src/scoring/hypotheses.js';
import { filterHas } from '../../../src/signatures/vocab-membership.js';
import { readVocabMembership, type VocabMembership } from '../../../src/signatures/vocab-membership-file.js';
import { simAnswer } from '../../../src/targets/sim-answer.js';
import { committedCountIndex } from '../../helpers/count-index.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

let groups: SignatureGroup[];
let membership: VocabMembership;
beforeAll(async () => {
  groups = signatureGroups(await committedCountIndex());
  membership = (await readVocabMembership(committedIndexDir()))!;
});

const at = (id: string) => groups.findIndex((g) => g.references.includes(id));
const bytes = (t: { bytes?: number[] }) => Uint8Array.from(t.bytes ?? []);

/** Answers of a simulated model with their logprob tokens and five alternatives each, as the API lists them. */
async function simulated(reference: string, answers = 3): Promise<ChannelObservation[]> {
  const tokenizer = await committedTokenizer(reference);
  return Array.from({ length: answers }, (_, seq) => {
    const answer = simAnswer(tokenizer, 40 + seq, 32, { topLogprobs: 5 });
    return {
      seq,
      text: answer.text,
      maxOutputTokens: 32,
      tokens: answer.logprobTokens.map((t) => ({ bytes: bytes(t), alternatives: (t.alternatives ?? []).map(bytes) })),
    };
  });
}

function score(observations: ChannelObservation[]): ChannelScore {
  const result = logprobChannel.score!(observations, { groups, membership, encoder: () => undefined });
  expect(result).toBeDefined();
  return result!;
}

describe('logprob tokens, each one vocabulary entry', () => {
  it('tip a tie toward the smaller of two vocabularies that both hold every token seen, never decide it', async () => {
    // Llama 3 holds all of cl100k's entries and more
    const s = score(await simulated('cl100k'));
    expect(s.ruling!.match[at('llama3')]).toBe(s.ruling!.match[at('cl100k')]);
    const tip = s.match[at('cl100k')] - s.match[at('llama3')];
    // plain text is tokens every vocabulary holds: a size preference per token would crown the smallest one
    expect(tip).toBeGreaterThan(0.5);
    expect(tip).toBeLessThanOrEqual(1);
  });

  it('a token string a vocabulary holds only with a word-initial space counts softly, never toward a ruling', async () => {
    const observations = await simulated('llama2');
    const clean = score(observations);
    // one token of one answer rendered without its word-initial space, the other answers spelled right
    const filter = membership.classes.find((c) => c.id === 'llama2')!.filter;
    const spaced = observations[0].tokens!.findIndex(
      (t) => t.bytes[0] === 0x20 && !filterHas(filter, t.bytes.subarray(1)),
    );
    expect(spaced).toBeGreaterThanOrEqual(0);
    const stripped = observations.map((o, k) =>
      k === 0
        ? { ...o, tokens: o.tokens!.map((t, i) => (i === spaced ? { ...t, bytes: t.bytes.subarray(1) } : t)) }
        : o,
    );
    const quirk = score(stripped);
    const llama2 = at('llama2');
    expect(quirk.ruling!.match[llama2]).toBeCloseTo(clean.ruling!.match[llama2], 0);
    expect(quirk.match[llama2]).toBeLessThan(clean.match[llama2] - 3);
    const best = Math.max(...quirk.match);
    expect(quirk.match[llama2]).toBe(best);
  });
});
