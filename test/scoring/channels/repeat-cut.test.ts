import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedIndexDir } from '../../../src/references/catalog.js';
import { frameText } from '../../../src/probes/frame.js';
import type { ChannelName } from '../../../src/scoring/channels/registry.js';
import {
  planRepeat,
  predictedCut,
  REPEAT_INSTRUCTION,
  repeatProbeOf,
} from '../../../src/scoring/channels/repeat-cut.js';
import { ChannelRuntime } from '../../../src/scoring/channels/runtime.js';
import { signatureGroups } from '../../../src/scoring/hypotheses.js';
import { posterior } from '../../../src/scoring/posterior.js';
import type { CountIndex } from '../../../src/signatures/count-index.js';
import { countSignature } from '../../../src/signatures/observations.js';
import { readVocabMembership } from '../../../src/signatures/vocab-membership-file.js';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import type { Target, TargetRequest } from '../../../src/targets/target.js';
import { seededRng } from '../../../src/util/rng.js';
import { committedCountIndex } from '../../helpers/count-index.js';
import type { JsonServer } from '../../helpers/generic-json-server.js';
import { loopbackTarget } from '../../helpers/generic-target.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startRepeatServer } from '../../helpers/repeat-server.js';

/**
 * The repeat follow-up of the truncation channel, driven as identify drives it: each answer's follow-up
 * requests are sent (over HTTP, to a server whose model cuts at max_tokens in its own tokens) and observed.
 */
let index: CountIndex;
const servers: JsonServer[] = [];
beforeAll(async () => {
  index = await committedCountIndex();
});
afterAll(() => Promise.all(servers.map((s) => s.close())));

async function run(target: Target, enabled: ChannelName[], answers = 4) {
  const groups = signatureGroups(index);
  const membership = await readVocabMembership(committedIndexDir());
  const channels = new ChannelRuntime({
    enabled: new Set(enabled),
    membership,
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
  const fused = channels.fuse(prior);
  const ranked = fused.posterior.groups
    .map((g) => ({ refs: g.group.references, p: g.match + g.derived }))
    .sort((a, b) => b.p - a.p);
  return { channels, followUps, ranked, fused };
}

describe('truncation: repeat requests cut at max_tokens', () => {
  it('plans a cut where the leading references disagree, and reads it back from the request', async () => {
    const [qwen, llama3, gemma] = await Promise.all(
      ['qwen2.5', 'llama3', 'gemma3'].map((id) => committedTokenizer(id)),
    );
    const probe = planRepeat(
      'The quick brown fox jumps over the lazy dog 1234567 times, indentation_with_underscores naïve café 東京タワー',
      [qwen, llama3, gemma],
    )!;
    expect(probe).toBeDefined();
    expect(new Set([qwen, llama3, gemma].map((t) => predictedCut(t, probe))).size).toBe(3);
    expect(
      repeatProbeOf({
        messages: [{ role: 'user', content: REPEAT_INSTRUCTION + probe.source }],
        maxOutputTokens: probe.k,
      }),
    ).toEqual(probe);
    expect(planRepeat('one two three', [qwen])).toBeUndefined();
  });

  it('alone, over HTTP, puts the model tokenizer first; recounted completion tokens do not move the cut', async () => {
    const [qwen, llama3] = await Promise.all([committedTokenizer('qwen2.5'), committedTokenizer('llama3')]);
    const server = await startRepeatServer({ model: qwen, billing: llama3, template: chatTemplate('chatml') });
    servers.push(server);
    const { fused, followUps, ranked } = await run(
      loopbackTarget(`openai:${server.url}/v1`, { options: { model: 'm', detectTokenize: false } }).target,
      ['truncation'],
    );
    expect(followUps.length).toBeGreaterThanOrEqual(3);
    expect(
      followUps.every((f, i) => f.followUpOf === i + 1 && f.messages[0].content.startsWith(REPEAT_INSTRUCTION)),
    ).toBe(true);
    expect(ranked[0].refs).toContain('qwen2.5');
    expect(ranked[0].p).toBeGreaterThan(0.9);
    expect(fused.summary.channels.find((c) => c.name === 'truncation')!.note).toMatch(
      /repeat answers cut at max_tokens/,
    );
  });

  it('a model that talks before repeating says nothing about the cut', async () => {
    const qwen = await committedTokenizer('qwen2.5');
    const server = await startRepeatServer({ model: qwen, template: chatTemplate('chatml'), chatty: true });
    servers.push(server);
    const { fused } = await run(
      loopbackTarget(`openai:${server.url}/v1`, { options: { model: 'm', detectTokenize: false } }).target,
      ['truncation'],
      2,
    );
    expect(fused.summary.channels.find((c) => c.name === 'truncation')?.note ?? '').not.toMatch(/repeat answers/);
  });

  it('sends no follow-up unless truncation is read', async () => {
    const qwen = await committedTokenizer('qwen2.5');
    const server = await startRepeatServer({ model: qwen, template: chatTemplate('chatml') });
    servers.push(server);
    const { followUps } = await run(
      loopbackTarget(`openai:${server.url}/v1`, { options: { model: 'm', detectTokenize: false } }).target,
      ['completion'],
      2,
    );
    expect(followUps).toEqual([]);
  });
});
