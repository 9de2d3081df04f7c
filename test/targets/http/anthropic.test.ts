import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { anthropicProtocol, anthropicSettings } from '../../../src/targets/http/anthropic.js';
import { joinUrl, TargetRequestError } from '../../../src/targets/http/executor.js';
import { httpScheme } from '../../../src/targets/http/protocols.js';
import type { TargetRequest } from '../../../src/targets/target.js';
import { UserError } from '../../../src/util/errors.js';
import { renderForCounting, startAnthropicServer } from '../../helpers/anthropic-test-server.js';
import { runCli } from '../../helpers/cli.js';
import { requestServer, startJsonServer, type JsonServer } from '../../helpers/generic-json-server.js';
import { loopbackTarget, sentBodies } from '../../helpers/generic-target.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

const KEY = 'sk-ant-loopback-key';
const SYSTEM = 'You are Aurora, the support assistant of a bicycle shop. Answer briefly and politely.';
const request: TargetRequest = {
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: 'Please reply with OK.\n\nnaïve café — 東京タワー 🚲 isn\'t "quoted"\n\nThanks.' },
  ],
  maxOutputTokens: 1,
};

let tokenizer: Tokenizer;
let server: JsonServer;
let cachingServer: JsonServer;

function expectedPromptTokens(r: TargetRequest): number {
  const system =
    r.messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n\n') || undefined;
  const turns = r.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, text: m.content }));
  return tokenizer.encode(renderForCounting(system, turns)).length;
}

beforeAll(async () => {
  tokenizer = await committedTokenizer('claude-legacy');
  server = await startAnthropicServer({ tokenizer, apiKey: KEY });
  cachingServer = await startAnthropicServer({ tokenizer, apiKey: KEY, cacheSystemPrompt: true });
});
afterAll(async () => {
  await server.close();
  await cachingServer.close();
});

function anthropicTarget(url: string, query = '', key: string | null = KEY) {
  return loopbackTarget(`anthropic:${url}${query}`, {
    env: key === null ? {} : { ANTHROPIC_API_KEY: key },
    options: { model: 'claude-sonnet-4-5' },
  });
}

describe('anthropic protocol', () => {
  it('counts with the billed usage of a one-token Messages request by default, with the documented headers', async () => {
    const { target, wire } = anthropicTarget(server.url);
    const response = await target.send(request);
    const sent = server.received.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.json).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1,
      system: SYSTEM,
      messages: [{ role: 'user', content: request.messages[1].content }],
    });
    const count = expectedPromptTokens(request);
    expect(response.usage).toEqual({ promptTokens: count, completionTokens: 1, totalTokens: count + 1 });
    expect(response.usage?.promptTokens).toBeGreaterThan(30);
    expect(target.description).toContain('prompts counted by billed usage of messages');
    expect(target.offers).toEqual({ usage: true, chunks: true, logprobs: false, promptTokens: false });
    expect(JSON.stringify(wire)).not.toContain(KEY);
  });

  it('counts a multi-turn conversation without a system prompt', async () => {
    const turns: TargetRequest = {
      messages: [
        { role: 'user', content: 'Hello there' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: 'Count\ttabs  and   spaces' },
      ],
    };
    const response = await anthropicTarget(server.url).target.send(turns);
    expect((server.received.at(-1)!.json as Record<string, unknown>).system).toBeUndefined();
    expect(response.usage?.promptTokens).toBe(expectedPromptTokens(turns));
  });

  it('reads the billed count, not count_tokens, whose documentation calls it an estimate', async () => {
    const estimating = await startAnthropicServer({ tokenizer, apiKey: KEY, countTokensSkew: 2 });
    try {
      const billed = await anthropicTarget(estimating.url).target.send(request);
      expect(billed.usage?.promptTokens).toBe(expectedPromptTokens(request));
      expect(estimating.received.map((r) => r.path)).toEqual(['/v1/messages']);
      const { target } = anthropicTarget(estimating.url, '?count=count_tokens');
      const estimate = await target.send(request);
      expect(estimating.received.at(-1)!.path).toBe('/v1/messages/count_tokens');
      expect(estimating.received.at(-1)!.headers['content-type']).toBe('application/json');
      expect(estimating.received.at(-1)!.json).toEqual({
        model: 'claude-sonnet-4-5',
        system: SYSTEM,
        messages: [{ role: 'user', content: request.messages[1].content }],
      });
      expect(estimate.usage).toEqual({ promptTokens: expectedPromptTokens(request) + 2 });
      expect(target.description).toContain('count_tokens (an estimate');
    } finally {
      await estimating.close();
    }
  });

  it('sends every request that asks for more than a count to Messages, even with ?count=count_tokens', async () => {
    const { target, wire } = anthropicTarget(server.url, '?count=count_tokens');
    const longer = await target.send({ ...request, maxOutputTokens: 5, temperature: 1.5, seed: 3 });
    expect(server.received.at(-1)!.path).toBe('/v1/messages');
    expect(sentBodies(wire).at(-1)).toMatchObject({ max_tokens: 5, temperature: 1 });
    expect(longer.usage?.completionTokens).toBe(5);
    expect(tokenizer.encode(longer.text!)).toHaveLength(5);
    expect(longer.metadata).toMatchObject({ stopReason: 'max_tokens' });
    const followUp = await target.send({ ...request, maxOutputTokens: 1, followUpOf: 1, temperature: 0 });
    expect(server.received.at(-1)!.path).toBe('/v1/messages');
    expect(sentBodies(wire).at(-1)).toMatchObject({ max_tokens: 1, temperature: 0 });
    expect(followUp.text).toBe('OK');
    const whole = await target.send({ ...request, maxOutputTokens: 64 });
    expect(whole.text).toBe('OK. I have read your message and here is my answer.');
    expect(whole.usage?.completionTokens).toBe(tokenizer.encode(whole.text!).length);
    expect(whole.metadata).toMatchObject({ stopReason: 'end_turn' });
  });

  it('takes base URLs with or without /v1, and keeps a path prefix before it', async () => {
    for (const base of [`${server.url}/v1`, `${server.url}/v1/`, server.url]) {
      const before = server.received.length;
      await anthropicTarget(base).target.send(request);
      expect(server.received.slice(before).map((r) => r.path)).toEqual(['/v1/messages']);
    }
    const anthropic = httpScheme('anthropic')!;
    for (const [rest, url] of [
      ['https://gw.example/proxy/anthropic/v1', 'https://gw.example/proxy/anthropic/v1/messages'],
      ['https://gw.example/proxy/anthropic', 'https://gw.example/proxy/anthropic/v1/messages'],
      ['', 'https://api.anthropic.com/v1/messages'],
      ['https://gw.example/v1?count=count_tokens', 'https://gw.example/v1/messages/count_tokens'],
    ]) {
      const { protocol, baseUrl } = anthropic.create(rest);
      expect(joinUrl(baseUrl, protocol.call(request, { model: 'm' }))).toBe(url);
    }
  });

  it('adds cache writes and reads back into the prompt count', async () => {
    const { target } = anthropicTarget(cachingServer.url);
    const full = expectedPromptTokens(request);
    const systemTokens = tokenizer.encode(SYSTEM).length;
    const first = await target.send(request);
    const second = await target.send(request);
    expect(first.usage?.promptTokens).toBe(full);
    expect(first.usage?.cachedTokens).toBeUndefined();
    expect(first.metadata).toMatchObject({
      uncachedInputTokens: full - systemTokens,
      cacheCreationInputTokens: systemTokens,
      cacheReadInputTokens: 0,
    });
    expect(second.usage?.promptTokens).toBe(full);
    expect(second.usage?.cachedTokens).toBe(systemTokens);
    expect(second.metadata).toMatchObject({
      uncachedInputTokens: full - systemTokens,
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: systemTokens,
    });
  });

  it('streams text_delta text as chunks and reads the final output count', async () => {
    const { target, wire } = anthropicTarget(server.url);
    const response = await target.send({ ...request, wantChunks: true, maxOutputTokens: 7 });
    expect(server.received.at(-1)!.path).toBe('/v1/messages');
    expect(sentBodies(wire)[0]).toMatchObject({ stream: true, max_tokens: 7 });
    expect(response.usage?.promptTokens).toBe(expectedPromptTokens(request));
    expect(response.usage?.completionTokens).toBe(7);
    expect(response.chunks).toHaveLength(4);
    expect(response.chunks!.join('')).toBe(response.text);
    expect(tokenizer.encode(response.text!)).toHaveLength(7);
    expect(response.metadata).toMatchObject({ stopReason: 'max_tokens' });
  });

  it('streams when the target is told to (--stream)', async () => {
    const { target } = loopbackTarget(`anthropic:${server.url}`, {
      env: { ANTHROPIC_API_KEY: KEY },
      options: { model: 'm', stream: true },
    });
    const response = await target.send({ ...request, maxOutputTokens: 2 });
    expect(response.chunks).toEqual([response.text]);
    expect(response.usage?.promptTokens).toBe(expectedPromptTokens(request));
  });

  it('is refused by the server without the key or the anthropic-version header', async () => {
    await expect(anthropicTarget(server.url, '', null).target.send(request)).rejects.toThrow(
      /HTTP 401.*x-api-key header is required/,
    );
    await expect(anthropicTarget(server.url, '', 'wrong').target.send(request)).rejects.toThrow(TargetRequestError);
    const call = anthropicProtocol().call(request, { model: 'm' });
    const url = `${server.url}/${call.path}`;
    const noVersion = await requestServer(url, { body: call.body, headers: { 'x-api-key': KEY } });
    expect(noVersion.status).toBe(400);
    expect(noVersion.json).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    });
    const inline = await requestServer(url, {
      body: { model: 'm', max_tokens: 1, messages: request.messages },
      headers: { ...call.headers, 'x-api-key': KEY },
    });
    expect(inline.status).toBe(400);
    expect(inline.text).toContain('Unexpected role \\"system\\"');
    const plainText = await requestServer(url, {
      body: call.body,
      headers: { ...call.headers, 'x-api-key': KEY, 'content-type': 'text/plain;charset=UTF-8' },
    });
    expect(plainText.status).toBe(400);
    expect(plainText.text).toContain('content-type: application/json is required');
  });

  it('identify --help calls count_tokens an estimate and says how base URLs are read', async () => {
    const { stdout } = await runCli(['identify', '--help'], { PATH: process.env.PATH });
    expect(stdout).toMatch(
      /\?count=count_tokens\s+the free count endpoint instead, which Anthropic documents as an estimate/,
    );
    expect(stdout).toContain("the base URL may end in the API's version");
  });

  it('asks for a model and refuses unknown settings', () => {
    expect(() => anthropicProtocol().call(request, {})).toThrow(UserError);
    expect(() => anthropicSettings({ count: 'tokens' })).toThrow(/count=tokens is not one of count_tokens, messages/);
    expect(() => anthropicSettings({ mode: 'x' })).toThrow(/unknown setting "mode"/);
  });
});

describe('anthropic protocol on bad replies', () => {
  let bad: JsonServer;
  let answer: unknown;
  beforeAll(async () => {
    bad = await startJsonServer(() => {
      if (typeof answer === 'string') return { status: 200, text: answer };
      if (Array.isArray(answer)) return { status: 200, events: answer as { event: string; data: unknown }[] };
      return { status: 200, json: answer };
    });
  });
  afterAll(() => bad.close());

  async function sendFor(reply: unknown, r: TargetRequest, query = '') {
    answer = reply;
    const before = bad.received.length;
    const error = await anthropicTarget(bad.url, query)
      .target.send(r)
      .catch((e: unknown) => e);
    return { error: error as Error, requests: bad.received.length - before };
  }

  it('fails a malformed answer once, without retrying it', async () => {
    const cases: [unknown, TargetRequest, string, RegExp][] = [
      [{ input_tokens: '12' }, request, '', /input_tokens should be a token count/],
      [{ tokens: 12 }, request, '', /expected a message, got type undefined/],
      [{ type: 'message', content: [], usage: 12 }, request, '?count=messages', /usage should be an object/],
      [
        { type: 'message', usage: { input_tokens: -1, output_tokens: 1 } },
        request,
        '?count=messages',
        /input_tokens should be a token count/,
      ],
      [[{ event: 'ping', data: { type: 'ping' } }], { ...request, wantChunks: true }, '', /no message_start/],
      [
        [
          {
            event: 'message_start',
            data: { type: 'message_start', message: { usage: { input_tokens: 5, output_tokens: 1 } } },
          },
          { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
        ],
        { ...request, wantChunks: true },
        '',
        /overloaded_error: Overloaded/,
      ],
    ];
    for (const [reply, r, query, message] of cases) {
      const { error, requests } = await sendFor(reply, r, query);
      expect(error).toBeInstanceOf(TargetRequestError);
      expect(error.message).toMatch(/unexpected answer: anthropic/);
      expect(error.message).toMatch(message);
      expect(requests).toBe(1);
    }
  });

  it('reads a message or a stream without usage (a proxy may strip it) as an answer without usage', async () => {
    const plain = await sendFor({ type: 'message', content: [{ type: 'text', text: 'OK' }] }, request);
    expect(plain.error).not.toBeInstanceOf(Error);
    const reply = plain.error as unknown as { usage?: unknown; text: string };
    expect(reply.usage).toBeUndefined();
    expect(reply.text).toBe('OK');
    const streamed = await sendFor(
      [
        { event: 'message_start', data: { type: 'message_start', message: { model: 'm', content: [] } } },
        {
          event: 'content_block_delta',
          data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'O' } },
        },
        {
          event: 'content_block_delta',
          data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'K' } },
        },
        { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn' } } },
        { event: 'message_stop', data: { type: 'message_stop' } },
      ],
      { ...request, wantChunks: true },
    );
    const chunks = streamed.error as unknown as { usage?: unknown; chunks: string[] };
    expect(chunks.usage).toBeUndefined();
    expect(chunks.chunks).toEqual(['O', 'K']);
  });

  it('retries a stream that ends before message_stop', async () => {
    answer = [
      {
        event: 'message_start',
        data: { type: 'message_start', message: { usage: { input_tokens: 5, output_tokens: 1 } } },
      },
    ];
    const before = bad.received.length;
    const target = loopbackTarget(`anthropic:${bad.url}`, {
      env: { ANTHROPIC_API_KEY: KEY },
      options: { model: 'm', retries: 1 },
    }).target;
    await expect(target.send({ ...request, wantChunks: true })).rejects.toThrow(
      /after 2 attempts: anthropic: the stream broke off before message_stop/,
    );
    expect(bad.received.length - before).toBe(2);
  });
});
