import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { anthropicProtocol, anthropicSettings } from '../../../src/targets/http/anthropic.js';
import { ProtocolError } from '../../../src/targets/http/protocol.js';
import type { TargetRequest } from '../../../src/targets/target.js';
import { UserError } from '../../../src/util/errors.js';
import { renderForCounting, startAnthropicServer } from '../../helpers/anthropic-test-server.js';
import { startJsonServer, type JsonServer } from '../../helpers/generic-json-server.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { exchange, HttpStatusError, sendWithProtocol } from '../../helpers/send-with-protocol.js';

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
  const system = r.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n') || undefined;
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

describe('anthropic protocol', () => {
  it('counts with the free count_tokens endpoint by default, system prompt as the top-level field', async () => {
    const { call, response } = await sendWithProtocol(anthropicProtocol(), server.url, request, { model: 'claude-sonnet-4-5', apiKey: KEY });
    expect(call.path).toBe('v1/messages/count_tokens');
    const sent = server.received.at(-1)!;
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.json).toEqual({ model: 'claude-sonnet-4-5', system: SYSTEM, messages: [{ role: 'user', content: request.messages[1].content }] });
    expect(response.usage.promptTokens).toBe(expectedPromptTokens(request));
    expect(response.usage.promptTokens).toBeGreaterThan(30);
  });

  it('counts a multi-turn conversation without a system prompt', async () => {
    const turns: TargetRequest = {
      messages: [
        { role: 'user', content: 'Hello there' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: 'Count\ttabs  and   spaces' },
      ],
    };
    const { response } = await sendWithProtocol(anthropicProtocol(), server.url, turns, { model: 'm', apiKey: KEY });
    expect((server.received.at(-1)!.json as Record<string, unknown>).system).toBeUndefined();
    expect(response.usage.promptTokens).toBe(expectedPromptTokens(turns));
  });

  it('reads Messages usage when asked to count with messages', async () => {
    const protocol = anthropicProtocol(anthropicSettings({ count: 'messages' }));
    const { call, response } = await sendWithProtocol(protocol, server.url, request, { model: 'claude-sonnet-4-5', apiKey: KEY });
    expect(call.path).toBe('v1/messages');
    expect((server.received.at(-1)!.json as Record<string, unknown>).max_tokens).toBe(1);
    expect(response.usage).toEqual({ promptTokens: expectedPromptTokens(request), completionTokens: 1, totalTokens: expectedPromptTokens(request) + 1 });
    expect(response.text).toBe('OK');
    expect(response.metadata).toMatchObject({ model: 'claude-sonnet-4-5', stopReason: 'max_tokens' });
  });

  it('adds cache writes and reads back into the prompt count', async () => {
    const protocol = anthropicProtocol({ count: 'messages' });
    const full = expectedPromptTokens(request);
    const systemTokens = tokenizer.encode(SYSTEM).length;
    const first = (await sendWithProtocol(protocol, cachingServer.url, request, { model: 'm', apiKey: KEY })).response;
    const second = (await sendWithProtocol(protocol, cachingServer.url, request, { model: 'm', apiKey: KEY })).response;
    expect(first.usage.promptTokens).toBe(full);
    expect(first.usage.cachedTokens).toBeUndefined();
    expect(first.metadata).toMatchObject({ uncachedInputTokens: full - systemTokens, cacheCreationInputTokens: systemTokens, cacheReadInputTokens: 0 });
    expect(second.usage.promptTokens).toBe(full);
    expect(second.usage.cachedTokens).toBe(systemTokens);
    expect(second.metadata).toMatchObject({ uncachedInputTokens: full - systemTokens, cacheCreationInputTokens: 0, cacheReadInputTokens: systemTokens });
  });

  it('streams text_delta text as chunks and reads the final output count', async () => {
    const streaming: TargetRequest = { ...request, wantChunks: true, maxOutputTokens: 7 };
    const { call, response } = await sendWithProtocol(anthropicProtocol(), server.url, streaming, { model: 'm', apiKey: KEY });
    expect(call).toMatchObject({ path: 'v1/messages', stream: true, body: { stream: true, max_tokens: 7 } });
    expect(response.usage.promptTokens).toBe(expectedPromptTokens(request));
    expect(response.usage.completionTokens).toBe(7);
    expect(response.chunks).toHaveLength(4);
    expect(response.chunks!.join('')).toBe(response.text);
    expect(tokenizer.encode(response.text!)).toHaveLength(7);
    expect(response.metadata).toMatchObject({ stopReason: 'max_tokens', streamComplete: true });
  });

  it('is refused by the server without the key or the anthropic-version header', async () => {
    const protocol = anthropicProtocol();
    await expect(sendWithProtocol(protocol, server.url, request, { model: 'm' })).rejects.toThrow(/401.*x-api-key header is required/);
    await expect(sendWithProtocol(protocol, server.url, request, { model: 'm', apiKey: 'wrong' })).rejects.toThrow(/401.*invalid x-api-key/);
    const call = protocol.call(request, { model: 'm' });
    const reply = await exchange(server.url, { ...call, headers: {} }, protocol.authHeaders(KEY));
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });
    const inline = await exchange(server.url, { ...call, body: { model: 'm', messages: request.messages } }, protocol.authHeaders(KEY));
    expect(inline.status).toBe(400);
    expect(inline.text).toContain('Unexpected role \\"system\\"');
    const error = await sendWithProtocol(protocol, server.url, request, { model: 'm', apiKey: 'wrong' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
  });

  it('asks for a model and refuses unknown settings', () => {
    expect(() => anthropicProtocol().call(request, {})).toThrow(UserError);
    expect(() => anthropicSettings({ count: 'tokens' })).toThrow(/count=tokens is not one of count_tokens, messages/);
    expect(() => anthropicSettings({ mode: 'x' })).toThrow(/unknown setting "mode"/);
  });
});

describe('anthropic protocol on bad replies', () => {
  let bad: JsonServer;
  const answers: Record<string, unknown> = {};
  beforeAll(async () => {
    bad = await startJsonServer((r) => {
      const answer = answers[r.path];
      if (typeof answer === 'string') return { status: 200, text: answer };
      if (Array.isArray(answer)) return { status: 200, events: answer as { event: string; data: unknown }[] };
      return { status: 200, json: answer };
    });
  });
  afterAll(() => bad.close());

  async function parseFrom(answer: unknown, r: TargetRequest, count: 'count_tokens' | 'messages' = 'count_tokens') {
    const protocol = anthropicProtocol({ count });
    const call = protocol.call(r, { model: 'm' });
    answers[`/${call.path}`] = answer;
    return protocol.parse(await exchange(bad.url, call), r);
  }

  it('throws a ProtocolError for each malformed shape', async () => {
    await expect(parseFrom({ input_tokens: '12' }, request)).rejects.toThrow(ProtocolError);
    await expect(parseFrom({ tokens: 12 }, request)).rejects.toThrow(/input_tokens should be a token count/);
    await expect(parseFrom('<html>gateway</html>', request)).rejects.toThrow(/not JSON/);
    await expect(parseFrom({ type: 'message', content: [] }, request, 'messages')).rejects.toThrow(/usage should be an object/);
    await expect(parseFrom({ type: 'message', usage: { input_tokens: -1, output_tokens: 1 } }, request, 'messages')).rejects.toThrow(ProtocolError);
    const streaming = { ...request, wantChunks: true };
    await expect(parseFrom([{ event: 'ping', data: { type: 'ping' } }], streaming)).rejects.toThrow(/no message_start/);
    await expect(
      parseFrom(
        [
          { event: 'message_start', data: { type: 'message_start', message: { usage: { input_tokens: 5, output_tokens: 1 } } } },
          { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
        ],
        streaming,
      ),
    ).rejects.toThrow(/overloaded_error: Overloaded/);
  });
});
