import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicServer } from '../../helpers/anthropic-test-server.js';
import { makeSandbox, runCli, shareReferenceFiles, type Sandbox } from '../../helpers/cli.js';
import { startGeminiServer } from '../../helpers/gemini-test-server.js';
import type { JsonServer } from '../../helpers/generic-json-server.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

/**
 * `tokprint identify` reading answer channels through the Anthropic and Gemini wire formats, against servers
 * that follow those APIs' documentation with a real tokenizer behind them and a model that does as asked.
 */
const KEYS = { ANTHROPIC_API_KEY: 'sk-ant-channels-7d1e', GEMINI_API_KEY: 'AIza-channels-40b9' };
const MODEL = 'gemini-x';
let sandbox: Sandbox;
const servers: JsonServer[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox(KEYS);
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sandbox.remove();
});

interface Outcome {
  verdict: { status: string; class: string[]; flags?: string[] };
  queries: number;
  channels?: { enabled: string[]; channels: { name: string; note: string }[] };
}

async function identify(target: string, model: string, flags: string[]): Promise<Outcome> {
  const result = await runCli(
    ['identify', target, '--model', model, '--json', '--no-cache', '--out', 'runs', '--quiet', ...flags],
    sandbox.env,
    sandbox.root,
  );
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

async function started(server: Promise<JsonServer>): Promise<JsonServer> {
  servers.push(await server);
  return servers.at(-1)!;
}

const read = (outcome: Outcome) => outcome.channels?.channels.map((c) => c.name) ?? [];

describe('answer channels through the Anthropic and Gemini wire formats', () => {
  it('anthropic: completion counts and cuts at max_tokens are read from Messages answers', async () => {
    const s = await started(
      startAnthropicServer({
        tokenizer: await committedTokenizer('deepseek-v3'),
        apiKey: KEYS.ANTHROPIC_API_KEY,
        followsInstructions: true,
      }),
    );
    const outcome = await identify(`anthropic:${s.url}/v1`, 'claude-x', ['--channels', 'usage,completion,truncation']);
    expect(s.received.every((r) => r.path === '/v1/messages')).toBe(true);
    // the count requests asked for an answer, and the repeat follow-ups were cut at their max_tokens
    const bodies = s.received.map((r) => r.json as { max_tokens: number; messages: { content: string }[] });
    expect(bodies.some((b) => b.messages[0].content.startsWith('Repeat the text below exactly'))).toBe(true);
    expect(read(outcome)).toEqual(expect.arrayContaining(['completion', 'truncation']));
    expect(outcome.verdict.class).toContain('deepseek-v3');
    expect(outcome.verdict.flags ?? []).toEqual([]);
  });

  it('gemini: completion counts and cuts at MAX_TOKENS are read from generateContent answers', async () => {
    const s = await started(
      startGeminiServer({
        tokenizer: await committedTokenizer('qwen2.5'),
        apiKey: KEYS.GEMINI_API_KEY,
        models: [MODEL],
        followsInstructions: true,
      }),
    );
    const outcome = await identify(`gemini:${s.url}/v1beta`, MODEL, ['--channels', 'usage,completion,truncation']);
    const paths = new Set(s.received.map((r) => r.path));
    expect(paths).toEqual(new Set([`/v1beta/models/${MODEL}:generateContent`]));
    expect(s.received.every((r) => r.headers['content-type'] === 'application/json')).toBe(true);
    expect(read(outcome)).toEqual(expect.arrayContaining(['completion', 'truncation']));
    expect(outcome.verdict.class).toContain('qwen2.5');
    expect(outcome.verdict.flags ?? []).toEqual([]);
  });

  it('gemini: logprob tokens and their top candidates are read', async () => {
    const s = await started(
      startGeminiServer({
        tokenizer: await committedTokenizer('deepseek-v3'),
        apiKey: KEYS.GEMINI_API_KEY,
        models: [MODEL],
        followsInstructions: true,
      }),
    );
    const outcome = await identify(`gemini:${s.url}`, MODEL, ['--logprobs', '5', '--channels', 'usage,logprobs']);
    expect(s.received.every((r) => r.path === `/v1beta/models/${MODEL}:generateContent`)).toBe(true);
    expect(read(outcome)).toContain('logprobs');
    expect(outcome.verdict.class).toContain('deepseek-v3');
  });

  it('anthropic and gemini: --stream reads text_delta and SSE chunks', async () => {
    const anthropic = await started(
      startAnthropicServer({
        tokenizer: await committedTokenizer('deepseek-v3'),
        apiKey: KEYS.ANTHROPIC_API_KEY,
        followsInstructions: true,
        tokensPerDelta: 1,
      }),
    );
    const viaMessages = await identify(`anthropic:${anthropic.url}`, 'claude-x', ['--stream']);
    expect(anthropic.received.every((r) => (r.json as { stream?: boolean }).stream === true)).toBe(true);
    expect(read(viaMessages)).toContain('stream');
    const gemini = await started(
      startGeminiServer({
        tokenizer: await committedTokenizer('deepseek-v3'),
        apiKey: KEYS.GEMINI_API_KEY,
        models: [MODEL],
        followsInstructions: true,
      }),
    );
    const viaSse = await identify(`gemini:${gemini.url}`, MODEL, ['--stream']);
    expect(gemini.received.every((r) => r.path === `/v1beta/models/${MODEL}:streamGenerateContent`)).toBe(true);
    expect(gemini.received.every((r) => r.query.get('alt') === 'sse')).toBe(true);
    expect(read(viaSse)).toContain('stream');
  });

  it('anthropic: a gateway that strips usage is identified from the streamed text it shows', async () => {
    const stripped = await started(
      startAnthropicServer({
        tokenizer: await committedTokenizer('deepseek-v3'),
        apiKey: KEYS.ANTHROPIC_API_KEY,
        followsInstructions: true,
        tokensPerDelta: 1,
        withoutUsage: true,
      }),
    );
    const outcome = await identify(`anthropic:${stripped.url}`, 'claude-x', []);
    expect(outcome.verdict.status).toBe('match');
    expect(outcome.verdict.class).toContain('deepseek-v3');
    expect(read(outcome)).toContain('stream');
    expect(read(outcome)).not.toContain('usage');
  });
});
