import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { geminiProtocol, geminiSettings } from '../../../src/targets/http/gemini.js';
import { ProtocolError } from '../../../src/targets/http/protocol.js';
import type { TargetRequest } from '../../../src/targets/target.js';
import { UserError } from '../../../src/util/errors.js';
import { geminiRenderForCounting, startGeminiServer } from '../../helpers/gemini-test-server.js';
import { startJsonServer, type JsonServer } from '../../helpers/generic-json-server.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { exchange, sendWithProtocol } from '../../helpers/send-with-protocol.js';

const KEY = 'AIza-loopback-key';
const MODEL = 'gemini-2.5-flash';
const SYSTEM = 'You are Aurora, the support assistant of a bicycle shop.';
const USER = 'Please reply with OK.\n\nnaïve café — 東京タワー 🚲 isn\'t "quoted"\n\nThanks.';
const request: TargetRequest = {
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: USER },
  ],
  maxOutputTokens: 1,
};

let gemma: Tokenizer;
let server: JsonServer;
let thinking: JsonServer;
const expected = (system: string | undefined, turns: { role: string; text: string }[]) => gemma.encode(geminiRenderForCounting(system, turns)).length;

beforeAll(async () => {
  gemma = await committedTokenizer('gemma3');
  server = await startGeminiServer({ tokenizer: gemma, apiKey: KEY, models: [MODEL] });
  thinking = await startGeminiServer({ tokenizer: gemma, apiKey: KEY, models: [MODEL], thoughtsTokens: 12 });
});
afterAll(async () => {
  await server.close();
  await thinking.close();
});

describe('gemini protocol', () => {
  it('counts with countTokens, the system instruction inside a generateContentRequest', async () => {
    const { call, response } = await sendWithProtocol(geminiProtocol(), server.url, request, { model: MODEL, apiKey: KEY });
    expect(call.path).toBe('v1beta/models/gemini-2.5-flash:countTokens');
    expect(server.received.at(-1)!.headers['x-goog-api-key']).toBe(KEY);
    expect(server.received.at(-1)!.json).toEqual({
      generateContentRequest: { model: 'models/gemini-2.5-flash', contents: [{ role: 'user', parts: [{ text: USER }] }], systemInstruction: { parts: [{ text: SYSTEM }] } },
    });
    const count = expected(SYSTEM, [{ role: 'user', text: USER }]);
    expect(response.usage).toEqual({ promptTokens: count });
    expect(response.metadata).toEqual({ promptTokensDetails: [{ modality: 'TEXT', tokenCount: count }] });
  });

  it('counts plain contents with the model role for assistant turns', async () => {
    const turns: TargetRequest = {
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: 'Count\ttabs  and   spaces' },
      ],
    };
    const { response } = await sendWithProtocol(geminiProtocol(), server.url, turns, { model: `models/${MODEL}`, apiKey: KEY });
    expect((server.received.at(-1)!.json as { contents: { role: string }[] }).contents.map((c) => c.role)).toEqual(['user', 'model', 'user']);
    expect(response.usage.promptTokens).toBe(expected(undefined, turns.messages.map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', text: m.content }))));
  });

  it('reads usageMetadata from generateContent, thinking counted as output', async () => {
    const protocol = geminiProtocol(geminiSettings({ count: 'generateContent' }));
    const sent = { ...request, maxOutputTokens: 16 };
    const { call, response } = await sendWithProtocol(protocol, thinking.url, sent, { model: MODEL, apiKey: KEY });
    expect(call.body).toMatchObject({ systemInstruction: { parts: [{ text: SYSTEM }] }, generationConfig: { maxOutputTokens: 16 } });
    const count = expected(SYSTEM, [{ role: 'user', text: USER }]);
    expect(response.usage).toEqual({ promptTokens: count, completionTokens: 4 + 12, totalTokens: count + 16 });
    expect(response.metadata).toMatchObject({ candidatesTokenCount: 4, thoughtsTokenCount: 12, finishReason: 'MAX_TOKENS', model: MODEL });
    expect(gemma.encode(response.text!)).toHaveLength(4);
  });

  it('reads chosen logprob tokens with their ids', async () => {
    const { call, response } = await sendWithProtocol(geminiProtocol(), server.url, { ...request, maxOutputTokens: 5, wantLogprobs: true }, { model: MODEL, apiKey: KEY });
    expect(call.path).toBe('v1beta/models/gemini-2.5-flash:generateContent');
    expect(call.body).toMatchObject({ generationConfig: { maxOutputTokens: 5, responseLogprobs: true, logprobs: 1 } });
    expect(response.usage.completionTokens).toBe(5);
    expect(response.logprobTokens).toHaveLength(5);
    expect(response.logprobTokens!.map((t) => t.token).join('')).toBe(response.text);
    expect(response.logprobTokens!.map((t) => t.logprob)).toEqual([-0.125, -0.25, -0.375, -0.5, -0.625]);
    expect(response.metadata!.logprobTokenIds).toEqual(gemma.encode('OK. I have read your message.').slice(0, 5));
  });

  it('streams text as chunks over server-sent events', async () => {
    const { call, response } = await sendWithProtocol(geminiProtocol(), server.url, { ...request, maxOutputTokens: 7, wantChunks: true }, { model: MODEL, apiKey: KEY });
    expect(call).toMatchObject({ path: 'v1beta/models/gemini-2.5-flash:streamGenerateContent', query: { alt: 'sse' }, stream: true });
    expect(response.chunks).toHaveLength(4);
    expect(response.chunks!.join('')).toBe(response.text);
    expect(response.usage.promptTokens).toBe(expected(SYSTEM, [{ role: 'user', text: USER }]));
    expect(response.usage.completionTokens).toBe(7);
    expect(response.metadata).toMatchObject({ finishReason: 'MAX_TOKENS', streamComplete: true });
  });

  it('is refused by the server without a key, with a wrong key, an unknown model or a system role', async () => {
    const protocol = geminiProtocol();
    await expect(sendWithProtocol(protocol, server.url, request, { model: MODEL })).rejects.toThrow(/403.*PERMISSION_DENIED/);
    await expect(sendWithProtocol(protocol, server.url, request, { model: MODEL, apiKey: 'bad' })).rejects.toThrow(/400.*API key not valid/);
    await expect(sendWithProtocol(protocol, server.url, request, { model: 'gemini-0', apiKey: KEY })).rejects.toThrow(/404.*models\/gemini-0 is not found/);
    const call = protocol.call(request, { model: MODEL });
    const systemRole = await exchange(server.url, { ...call, body: { contents: [{ role: 'system', parts: [{ text: SYSTEM }] }] } }, protocol.authHeaders(KEY));
    expect(systemRole.status).toBe(400);
    expect(systemRole.text).toContain('Please use a valid role: user, model.');
  });

  it('asks for a model and refuses unknown settings', () => {
    expect(() => geminiProtocol().call(request, {})).toThrow(UserError);
    expect(() => geminiSettings({ count: 'tokens' })).toThrow(/count=tokens is not one of countTokens, generateContent/);
  });
});

describe('gemini protocol on other replies', () => {
  let answer: unknown;
  let other: JsonServer;
  beforeAll(async () => {
    other = await startJsonServer(() => (typeof answer === 'string' ? { status: 200, text: answer } : { status: 200, json: answer }));
  });
  afterAll(() => other.close());
  async function parse(reply: unknown, r: TargetRequest = request) {
    answer = reply;
    const protocol = geminiProtocol();
    return protocol.parse(await exchange(other.url, protocol.call(r, { model: MODEL })), r);
  }

  it('reads cached content tokens', async () => {
    expect((await parse({ totalTokens: 40, cachedContentTokenCount: 30 })).usage).toEqual({ promptTokens: 40, cachedTokens: 30 });
  });

  it('throws a ProtocolError for each malformed shape', async () => {
    await expect(parse({ total_tokens: 4 })).rejects.toThrow(/totalTokens should be a token count/);
    await expect(parse('not json')).rejects.toThrow(ProtocolError);
    const generating = { ...request, wantLogprobs: true };
    await expect(parse({ candidates: [{ content: { parts: [{ text: 'OK' }] } }] }, generating)).rejects.toThrow(/no usageMetadata/);
    await expect(parse({ candidates: ['x'], usageMetadata: { promptTokenCount: 3 } }, generating)).rejects.toThrow(/candidate should be an object/);
    await expect(
      parse({ candidates: [{ logprobsResult: { chosenCandidates: [{ token: 'OK' }] } }], usageMetadata: { promptTokenCount: 3 } }, generating),
    ).rejects.toThrow(/chosen candidate should be/);
  });
});
