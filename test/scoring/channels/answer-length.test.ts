import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedIndexDir } from '../../../src/references/catalog.js';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { frameText } from '../../../src/probes/frame.js';
import { completionChannel, truncationChannel } from '../../../src/scoring/channels/count-channels.js';
import type { ChannelName } from '../../../src/scoring/channels/registry.js';
import { planRepeat, predictedCut, REPEAT_INSTRUCTION } from '../../../src/scoring/channels/repeat-cut.js';
import { ChannelRuntime } from '../../../src/scoring/channels/runtime.js';
import { signatureGroups } from '../../../src/scoring/hypotheses.js';
import { posterior } from '../../../src/scoring/posterior.js';
import type { CountIndex } from '../../../src/signatures/count-index.js';
import { countSignature } from '../../../src/signatures/observations.js';
import { readVocabMembership, type VocabMembership } from '../../../src/signatures/vocab-membership-file.js';
import { simAnswer } from '../../../src/targets/sim-answer.js';
import type { ChatMessage, Target, TargetRequest } from '../../../src/targets/target.js';
import { seededRng } from '../../../src/util/rng.js';
import { committedCountIndex } from '../../helpers/count-index.js';
import { startJsonServer, type JsonServer } from '../../helpers/generic-json-server.js';
import { loopbackTarget } from '../../helpers/generic-target.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

/**
 * The count channels read how many tokens an answer took (billed, or cut at max_tokens) against what each
 * vocabulary needs for its text: the fewest entries that spell it (every class, no encoder), and each loaded
 * reference's own count (soft: a model need not emit its tokenizer's canonical split).
 */
let index: CountIndex;
let membership: VocabMembership;
const servers: JsonServer[] = [];
beforeAll(async () => {
  index = await committedCountIndex();
  membership = (await readVocabMembership(committedIndexDir()))!;
});
afterAll(() => Promise.all(servers.map((s) => s.close())));

const strict = new TextDecoder('utf-8', { fatal: true });
const UNSAYABLE = /[<>[\]\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u;

function whole(model: Tokenizer, ids: readonly number[]): string {
  const bytes = Buffer.concat(ids.map((id) => model.tokenBytes(id) ?? new Uint8Array()));
  for (let end = bytes.length; end >= 0; end--) {
    try {
      return strict.decode(bytes.subarray(0, end));
    } catch {
      // the cut left the last character incomplete; a server holds those bytes back
    }
  }
  return '';
}

/** Vocabulary entries drawn at random, as a model with random weights emits them: rarely a canonical split. */
function randomIds(model: Tokenizer, seed: number, count: number): number[] {
  const rng = seededRng(seed);
  const ids: number[] = [];
  while (ids.length < count) {
    const id = rng.int(0, model.vocabSize - 1);
    const bytes = model.tokenBytes(id);
    if (!bytes?.length) continue;
    try {
      const text = strict.decode(bytes);
      if (text.trim() && !UNSAYABLE.test(text)) ids.push(id);
    } catch {
      // a partial character: not a token a test answer starts from
    }
  }
  return ids;
}

interface ModelServerOptions {
  model: Tokenizer;
  /** The model emits its tokenizer's canonical split of what it says (a trained model, mostly). */
  canonical: boolean;
  /** usage.completion_tokens in each answer; without it only prompt_tokens is billed. */
  billsOutput: boolean;
}

/**
 * OpenAI chat completions on 127.0.0.1 whose model says random vocabulary entries (canonically re-split or not)
 * and says a repeat request back, each cut at max_tokens in its own tokens.
 */
function startModelServer(options: ModelServerOptions): Promise<JsonServer> {
  const { model } = options;
  return startJsonServer((r) => {
    if (r.method !== 'POST' || r.path !== '/v1/chat/completions')
      return { status: 404, json: { error: { message: 'no route' } } };
    const body = r.json as { messages: ChatMessage[]; max_tokens?: number; seed?: number };
    const user = body.messages.at(-1)?.content ?? '';
    const k = Math.max(1, body.max_tokens ?? 16);
    let all: number[];
    if (user.startsWith(REPEAT_INSTRUCTION)) all = model.encode(user.slice(REPEAT_INSTRUCTION.length));
    else {
      const rng = seededRng(body.seed ?? 0);
      const drawn = randomIds(model, body.seed ?? 0, rng.int(Math.ceil(k / 2), 2 * k));
      all = options.canonical ? model.encode(whole(model, drawn).trimStart()) : drawn;
    }
    const ids = all.slice(0, k);
    const text = whole(model, ids).replace(/^ /, '');
    const cut = all.length > k;
    const completion = ids.length + (cut ? 0 : 1);
    const prompt = model.encode(user).length;
    return {
      status: 200,
      json: {
        id: 'chatcmpl-lengths',
        object: 'chat.completion',
        created: 0,
        model: 'lengths',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: cut ? 'length' : 'stop' }],
        usage: { prompt_tokens: prompt, ...(options.billsOutput && { completion_tokens: completion }) },
      },
    };
  });
}

async function serve(options: ModelServerOptions): Promise<Target> {
  const server = await startModelServer(options);
  servers.push(server);
  return loopbackTarget(`openai:${server.url}/v1`, { options: { model: 'm', detectTokenize: false } }).target;
}

/** Answers read as identify reads them (each count answer, then its follow-ups); the fused posterior's ranking. */
async function run(target: Target, enabled: ChannelName[], answers: number) {
  const groups = signatureGroups(index);
  const channels = new ChannelRuntime({
    enabled: new Set(enabled),
    membership,
    loadEncoder: (id) => committedTokenizer(id),
    seed: 5,
  });
  const prior = posterior(countSignature([], index), groups);
  const rng = seededRng(17);
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
  const fused = channels.fuse(prior).posterior;
  const ranked = fused.groups
    .map((g) => ({ refs: g.group.references, match: g.match, p: g.match + g.derived }))
    .sort((a, b) => b.p - a.p);
  return { ranked, followUps, unknown: fused.unknown };
}

describe('count channels: the tokens an answer took against what each vocabulary needs for its text', () => {
  it('bound every class by the fewest entries that spell an answer, with no encoder loaded', async () => {
    const gemma3 = await committedTokenizer('gemma3');
    const groups = signatureGroups(index);
    const observations = [1, 2].map((seed) => {
      const answer = simAnswer(gemma3, seed, 32);
      return { seq: seed, text: answer.text, completionTokens: answer.completionTokens, maxOutputTokens: 32 };
    });
    const context = { groups, membership, encoder: () => undefined };
    for (const channel of [completionChannel, truncationChannel]) {
      const score = channel.score!(observations, context)!;
      expect(score).toBeDefined();
      expect(score.unscored).toBeUndefined();
      const own = groups.findIndex((g) => g.references.includes('gemma3'));
      const others = score.match.filter((_, g) => g !== own);
      // an answer of gemma3's rare entries takes most other vocabularies far more tokens than were spent
      expect(others.filter((m) => m < score.match[own] - Math.log(1e5)).length).toBeGreaterThan(groups.length / 2);
      expect(Math.max(...others)).toBeLessThanOrEqual(score.match[own]);
    }
  });

  it('completion alone names the class of a model that emits canonical splits, as a match', async () => {
    const target = await serve({ model: await committedTokenizer('gemma3'), canonical: true, billsOutput: true });
    const { ranked } = await run(target, ['completion'], 5);
    expect(ranked[0].refs).toContain('gemma3');
    // Gemma 4 keeps nearly all of Gemma 3's vocabulary, so answers in Gemma 3's tokens take as many of Gemma 4's:
    // completion alone parts the twins no better than a coin, and names the pair
    const twins = ranked.filter((r) => r.refs.includes('gemma3') || r.refs.includes('gemma4'));
    expect(twins).toHaveLength(2);
    expect(twins.reduce((sum, r) => sum + r.match, 0)).toBeGreaterThan(0.99);
  });

  it('a model that emits random token sequences is still put first, its counts off the canonical ones', async () => {
    const target = await serve({ model: await committedTokenizer('llama2'), canonical: false, billsOutput: true });
    const { ranked } = await run(target, ['completion'], 4);
    expect(ranked[0].refs).toContain('llama2');
    expect(ranked[1].p).toBeLessThan(0.01);
  });

  it('truncation reads an API that bills no output tokens: each answer is within max_tokens, repeats cut there', async () => {
    const target = await serve({ model: await committedTokenizer('yi'), canonical: true, billsOutput: false });
    const { ranked, followUps } = await run(target, ['truncation'], 3);
    expect(followUps.length).toBeGreaterThan(0);
    expect(ranked[0].refs).toContain('yi');
    expect(ranked[0].match).toBeGreaterThan(0.99);
  });

  it('repeat windows keep runs of spaces, where vocabularies with whitespace tokens cut apart', async () => {
    const [r50k, p50k] = await Promise.all([committedTokenizer('r50k'), committedTokenizer('p50k')]);
    const code = 'def main():\n        for item in items:\n                print(item)        # done\n        return 0';
    const probe = planRepeat(code, [r50k, p50k])!;
    expect(probe).toBeDefined();
    expect(probe.source).toMatch(/ {8}/);
    expect(predictedCut(r50k, probe)).not.toBe(predictedCut(p50k, probe));
  });
});
