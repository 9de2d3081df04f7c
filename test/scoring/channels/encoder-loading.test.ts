import { beforeAll, describe, expect, it } from 'vitest';
import { committedIndexDir } from '../../../src/references/catalog.js';
import { identify } from '../../../src/run/driver.js';
import { ChannelRuntime } from '../../../src/scoring/channels/runtime.js';
import type { ChannelName } from '../../../src/scoring/channels/registry.js';
import { signatureGroups, PRIOR } from '../../../src/scoring/hypotheses.js';
import type { Posterior } from '../../../src/scoring/posterior.js';
import type { CountIndex } from '../../../src/signatures/count-index.js';
import { readVocabMembership, type VocabMembership } from '../../../src/signatures/vocab-membership-file.js';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import { simulatedTarget } from '../../../src/targets/sim-target.js';
import { seededRng } from '../../../src/util/rng.js';
import { committedCountIndex } from '../../helpers/count-index.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

let index: CountIndex;
let membership: VocabMembership;
beforeAll(async () => {
  index = await committedCountIndex();
  membership = (await readVocabMembership(committedIndexDir()))!;
});

/** A runtime that loads committed references and records which, and what it told its listener. */
function recordingRuntime(enabled: ChannelName[]) {
  const loaded: string[] = [];
  const told: [string, number, number][] = [];
  const runtime = new ChannelRuntime({
    enabled: new Set(enabled),
    membership,
    seed: 3,
    loadEncoder: async (id) => {
      loaded.push(id);
      return committedTokenizer(id);
    },
    onEncoder: (id, done, planned) => told.push([id, done, planned]),
  });
  return { runtime, loaded, told };
}

describe('reference encoders for the stream channel', () => {
  it('are not loaded from a bare frame answer, which ranks nothing', async () => {
    const { runtime, loaded } = recordingRuntime(['usage', 'stream']);
    const groups = signatureGroups(index);
    // the counts after the frame alone: the prior
    const count: Posterior = {
      groups: groups.map((group) => ({
        group,
        predicted: [0],
        offset: 0,
        deviations: [0],
        match: PRIOR.match * group.weight,
        derived: PRIOR.derived * group.weight,
      })),
      unknown: PRIOR.unknown,
    };
    const request = { messages: [{ role: 'user' as const, content: 'Reply with OK.' }], maxOutputTokens: 32 };
    const response = {
      usage: { promptTokens: 12 },
      text: 'OK',
      chunks: ['OK'],
      latencyMs: 1,
      raw: { request, response: {} },
    };
    await runtime.observe(1, request, response, groups, count);
    expect(loaded).toEqual([]);
  });

  it.each([
    ['yi', 2],
    ['qwen2.5', 4],
  ])(
    '%s streaming %i tokens per chunk: its own loaded first among few, each one told, the run a match',
    async (reference, interval) => {
      const { runtime, loaded, told } = recordingRuntime(['usage', 'stream']);
      const tokenizer = await committedTokenizer(reference);
      const target = simulatedTarget({
        id: `sim:${reference}`,
        description: reference,
        tokenizer,
        template: chatTemplate('chatml'),
        hiddenSystemPrompt: '',
        answers: { seed: 11, streamInterval: interval },
      });
      const result = await identify({
        target,
        index,
        budget: { maxQueries: 6, maxPromptTokens: 30_000 },
        rng: seededRng(11),
        channels: runtime,
      });
      expect(result.verdict.status).toBe('match');
      expect(result.verdict.class).toContain(reference);
      const own = signatureGroups(index).find((g) => g.references.includes(reference))!.references[0];
      expect(loaded[0]).toBe(own);
      expect(loaded.length).toBeLessThanOrEqual(3);
      expect(told.map(([id]) => id)).toEqual(loaded);
      told.forEach(([, done, planned], k) => {
        expect(done).toBe(k);
        expect(planned).toBeGreaterThan(done);
      });
    },
  );
});
