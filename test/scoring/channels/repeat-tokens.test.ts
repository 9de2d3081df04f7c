import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedIndexDir } from '../../../src/references/catalog.js';
import { frameText } from '../../../src/probes/frame.js';
import type { ChannelObservation } from '../../../src/scoring/channels/channel.js';
import type { ChannelName } from '../../../src/scoring/channels/registry.js';
import { planRepeat } from '../../../src/scoring/channels/repeat-cut.js';
import { scoreRepeatTokens } from '../../../src/scoring/channels/repeat-tokens.js';
import { ChannelRuntime } from '../../../src/scoring/channels/runtime.js';
import { type SignatureGroup, signatureGroups } from '../../../src/scoring/hypotheses.js';
import { posterior } from '../../../src/scoring/posterior.js';
import type { CountIndex } from '../../../src/signatures/count-index.js';
import { countSignature } from '../../../src/signatures/observations.js';
import { readVocabMembership } from '../../../src/signatures/vocab-membership-file.js';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import type { TargetRequest } from '../../../src/targets/target.js';
import { seededRng } from '../../../src/util/rng.js';
import { committedCountIndex } from '../../helpers/count-index.js';
import type { JsonServer } from '../../helpers/generic-json-server.js';
import { loopbackTarget } from '../../helpers/generic-target.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startRepeatServer } from '../../helpers/repeat-server.js';

/**
 * Without billed counts, the logprob channel asks for a repeat of a stretch its leading references segment
 * differently and reads every token of the answer: a vocabulary and its superset (cl100k and Llama 3, which holds
 * all of cl100k's entries) hold every token of plain answers alike, but not the same segmentation of that stretch.
 */
let index: CountIndex;
let groups: SignatureGroup[];
const servers: JsonServer[] = [];
beforeAll(async () => {
  index = await committedCountIndex();
  groups = signatureGroups(index);
});
afterAll(() => Promise.all(servers.map((s) => s.close())));

const at = (id: string) => groups.findIndex((g) => g.references.includes(id));
const TEXT =
  'The quick brown fox jumps over the lazy dog 1234567 times, indentation_with_underscores naïve café 東京タワー Привет, как дела? Ελληνικά κείμενα';

describe('repeat answers with their tokens listed', () => {
  it('count against a loaded reference whose own encoding differs, and never against one not loaded', async () => {
    const [cl100k, llama3] = await Promise.all([committedTokenizer('cl100k'), committedTokenizer('llama3')]);
    const probe = planRepeat(TEXT, [cl100k, llama3])!;
    expect(probe).toBeDefined();
    const ids = cl100k.encode(probe.source).slice(0, probe.k);
    const tokens = ids.map((id) => ({ bytes: cl100k.tokenBytes(id)!, alternatives: [] }));
    const said = new TextDecoder().decode(Buffer.concat(tokens.map((t) => t.bytes)));
    const observation: ChannelObservation = { seq: 1, text: said, tokens, maxOutputTokens: probe.k, repeat: probe };
    const loaded = new Map([
      [at('cl100k'), cl100k],
      [at('llama3'), llama3],
    ]);
    const s = scoreRepeatTokens([observation], { groups, encoder: (g) => loaded.get(g) })!;
    expect(s.compared).toBe(2);
    expect(s.match[at('cl100k')] - s.match[at('llama3')]).toBeGreaterThan(3);
    // a group whose encoder is not loaded gets the best score it could earn
    expect(s.match[at('qwen2.5')]).toBe(s.match[at('cl100k')]);
    // an answer that is no prefix of the text (the model talked first) says nothing
    expect(scoreRepeatTokens([{ ...observation, text: `Sure! ${said}` }], { groups, encoder: () => cl100k })).toBe(
      undefined,
    );
  });
});

async function run(server: JsonServer, enabled: ChannelName[], answers = 4) {
  const target = loopbackTarget(`openai:${server.url}/v1`, {
    options: { model: 'm', detectTokenize: false, retries: 2 },
  }).target;
  const channels = new ChannelRuntime({
    enabled: new Set(enabled),
    membership: await readVocabMembership(committedIndexDir()),
    loadEncoder: (id) => committedTokenizer(id),
    seed: 3,
  });
  const prior = posterior(countSignature([], index), groups);
  const rng = seededRng(11);
  const followUps: TargetRequest[] = [];
  for (let seq = 1; seq <= answers; seq++) {
    const texts = rng
      .shuffle([...index.probes])
      .slice(0, 40)
      .map((p) => p.text);
    const request: TargetRequest = {
      messages: [{ role: 'user', content: frameText(texts) }],
      maxOutputTokens: 1,
      ...channels.requestFields(seq),
    };
    await channels.observe(seq, request, await target.send(request), groups, prior);
    for (const followUp of channels.followUps(seq, request)) {
      followUps.push(followUp);
      await channels.observeFollowUp(followUp, await target.send(followUp), prior);
    }
  }
  const ranked = channels
    .fuse(prior)
    .posterior.groups.map((g) => ({ refs: g.group.references, p: g.match + g.derived }))
    .sort((a, b) => b.p - a.p);
  return { followUps, ranked };
}

describe('the logprob channel over HTTP, a model running cl100k', () => {
  it('alone: repeats asked with logprobs tell cl100k from its superset Llama 3', async () => {
    const server = await startRepeatServer({
      model: await committedTokenizer('cl100k'),
      template: chatTemplate('chatml'),
    });
    servers.push(server);
    const { followUps, ranked } = await run(server, ['logprobs'], 8);
    expect(followUps.length).toBeGreaterThanOrEqual(2);
    for (const f of followUps) expect(f.wantLogprobs).toBe(true);
    expect(ranked[0].refs).toContain('cl100k');
    expect(ranked[0].p).toBeGreaterThan(0.9);
  });

  it('beside the billed counts it sends no repeat; beside truncation, one repeat serves both', async () => {
    const server = await startRepeatServer({
      model: await committedTokenizer('cl100k'),
      template: chatTemplate('chatml'),
    });
    servers.push(server);
    expect((await run(server, ['usage', 'logprobs'], 3)).followUps).toEqual([]);
    const both = await run(server, ['logprobs', 'truncation'], 3);
    expect(both.followUps.length).toBeGreaterThan(0);
    const perAnswer = new Map<number, number>();
    for (const f of both.followUps) perAnswer.set(f.followUpOf!, (perAnswer.get(f.followUpOf!) ?? 0) + 1);
    expect(Math.max(...perAnswer.values())).toBe(1);
    for (const f of both.followUps) expect(f.wantLogprobs).toBe(true);
  });
});
