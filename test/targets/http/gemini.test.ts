import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { joinUrl, TargetRequestError } from '../../../src/targets/http/executor.js';
import { httpScheme } from '../../../src/targets/http/protocols.js';
import { geminiProtocol, geminiSettings } from '../../../src/targets/http/gemini.js';
import type { TargetRequest, TargetResponse } from '../../../src/targets/target.js';
import { UserError } from '../../../src/util/errors.js';
import { geminiRenderForCounting, startGeminiServer } from '../../helpers/gemini-test-server.js';
import { requestServer, startJsonServer, type JsonServer } from '../../helpers/generic-json-server.js';
import { loopbackTarget, sentBodies } from '../../helpers/generic-target.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

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
const expected = (system: string | undefined, turns: { role: string; text: string }[]) =>
  gemma.encode(geminiRenderForCounting(system, turns)).length;

beforeAll(async () => {
  gemma = await committedTokenizer('gemma3');
  server = await startGeminiServer({ tokenizer: gemma, apiKey: KEY, models: [MODEL] });
  thinking = await startGeminiServer({ tokenizer: gemma, apiKey: KEY, models: [MODEL], thoughtsTokens: 12 });
});
afterAll(async () => {
  await server.close();
  await thinking.close();
});

function geminiTarget(
  url: string,
  query = '',
  options: { model?: string; key?: string | null; stream?: boolean; topLogprobs?: number } = {},
) {
  const { key = KEY, model = MODEL, ...rest } = options;
  return loopbackTarget(`gemini:${url}${query}`, {
    env: key === null ? {} : { GEMINI_API_KEY: key },
    options: { model, ...rest },
  });
}

describe('gemini protocol', () => {
  it('counts with countTokens, the system instruction inside a generateContentRequest', async () => {
    const { target, wire } = geminiTarget(server.url);
    const response = await target.send(request);
    expect(server.received.at(-1)!.method).toBe('POST');
    expect(server.received.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:countTokens');
    expect(server.received.at(-1)!.headers['x-goog-api-key']).toBe(KEY);
    expect(server.received.at(-1)!.headers['content-type']).toBe('application/json');
    expect(server.received.at(-1)!.json).toEqual({
      generateContentRequest: {
        model: 'models/gemini-2.5-flash',
        contents: [{ role: 'user', parts: [{ text: USER }] }],
        systemInstruction: { parts: [{ text: SYSTEM }] },
      },
    });
    const count = expected(SYSTEM, [{ role: 'user', text: USER }]);
    expect(response.usage).toEqual({ promptTokens: count });
    expect(response.metadata).toMatchObject({ promptTokensDetails: [{ modality: 'TEXT', tokenCount: count }] });
    expect(JSON.stringify(wire)).not.toContain(KEY);
  });

  it('counts plain contents with the model role for assistant turns', async () => {
    const turns: TargetRequest = {
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: 'Count\ttabs  and   spaces' },
      ],
    };
    const response = await geminiTarget(server.url, '', { model: `models/${MODEL}` }).target.send(turns);
    expect((server.received.at(-1)!.json as { contents: { role: string }[] }).contents.map((c) => c.role)).toEqual([
      'user',
      'model',
      'user',
    ]);
    expect(response.usage?.promptTokens).toBe(
      expected(
        undefined,
        turns.messages.map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', text: m.content })),
      ),
    );
  });

  it('reads usageMetadata from generateContent, the answer counted apart from thinking', async () => {
    const { target, wire } = geminiTarget(thinking.url, '?count=generateContent');
    const response = await target.send({ ...request, maxOutputTokens: 16 });
    expect(sentBodies(wire)[0]).toMatchObject({
      systemInstruction: { parts: [{ text: SYSTEM }] },
      generationConfig: { maxOutputTokens: 16 },
    });
    const count = expected(SYSTEM, [{ role: 'user', text: USER }]);
    // The answer's own tokens, which its text is compared with; thinking is billed beside them.
    expect(response.usage).toEqual({ promptTokens: count, completionTokens: 4, totalTokens: count + 16 });
    expect(response.metadata).toMatchObject({
      candidatesTokenCount: 4,
      thoughtsTokenCount: 12,
      finishReason: 'MAX_TOKENS',
      model: MODEL,
    });
    expect(gemma.encode(response.text!)).toHaveLength(4);
  });

  it('reads chosen logprob tokens with their ids', async () => {
    const { target, wire } = geminiTarget(server.url);
    const response = await target.send({ ...request, maxOutputTokens: 5, wantLogprobs: true });
    expect(server.received.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sentBodies(wire)[0]).toMatchObject({
      generationConfig: { maxOutputTokens: 5, responseLogprobs: true, logprobs: 5 },
    });
    expect(response.usage?.completionTokens).toBe(5);
    expect(response.logprobTokens).toHaveLength(5);
    expect(response.logprobTokens!.map((t) => t.token).join('')).toBe(response.text);
    expect(response.logprobTokens!.map((t) => t.logprob)).toEqual([-0.125, -0.25, -0.375, -0.5, -0.625]);
    expect(response.metadata!.logprobTokenIds).toEqual(gemma.encode('OK. I have read your message.').slice(0, 5));
    const topFive = geminiTarget(server.url, '', { topLogprobs: 5 });
    await topFive.target.send(request);
    expect(sentBodies(topFive.wire)[0]).toMatchObject({ generationConfig: { responseLogprobs: true, logprobs: 5 } });
  });

  it('streams text as chunks over server-sent events', async () => {
    const response = await geminiTarget(server.url).target.send({ ...request, maxOutputTokens: 7, wantChunks: true });
    expect(server.received.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(server.received.at(-1)!.query.get('alt')).toBe('sse');
    expect(server.received.at(-1)!.headers['content-type']).toBe('application/json');
    expect(response.chunks).toHaveLength(4);
    expect(response.chunks!.join('')).toBe(response.text);
    expect(response.usage?.promptTokens).toBe(expected(SYSTEM, [{ role: 'user', text: USER }]));
    expect(response.usage?.completionTokens).toBe(7);
    expect(response.metadata).toMatchObject({ finishReason: 'MAX_TOKENS' });
    const told = await geminiTarget(server.url, '', { stream: true }).target.send({ ...request, maxOutputTokens: 3 });
    expect(told.chunks).toHaveLength(2);
  });

  it('sends every request that asks for more than a count to generateContent, with sampling settings', async () => {
    const { target, wire } = geminiTarget(server.url);
    const longer = await target.send({ ...request, maxOutputTokens: 5, temperature: 1, seed: 1002 });
    expect(server.received.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(server.received.at(-1)!.headers['content-type']).toBe('application/json');
    expect(sentBodies(wire).at(-1)).toMatchObject({
      generationConfig: { maxOutputTokens: 5, temperature: 1, seed: 1002 },
    });
    expect(longer.usage?.completionTokens).toBe(5);
    expect(gemma.encode(longer.text!)).toHaveLength(5);
    expect(longer.metadata).toMatchObject({ finishReason: 'MAX_TOKENS' });
    await target.send({ ...request, maxOutputTokens: 1, followUpOf: 1 });
    expect(server.received.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    const whole = await target.send({ ...request, maxOutputTokens: 64 });
    expect(whole.text).toBe('OK. I have read your message.');
    expect(whole.usage?.completionTokens).toBe(gemma.encode(whole.text!).length);
    expect(whole.metadata).toMatchObject({ finishReason: 'STOP' });
    expect(target.offers).toEqual({ usage: true, chunks: true, logprobs: true, promptTokens: false });
    expect(target.description).toContain('prompts counted by countTokens');
  });

  it('reads the top candidates beside each chosen token', async () => {
    const { target, wire } = geminiTarget(server.url, '', { topLogprobs: 3 });
    const response = await target.send({ ...request, maxOutputTokens: 4 });
    expect(sentBodies(wire)[0]).toMatchObject({ generationConfig: { responseLogprobs: true, logprobs: 3 } });
    const tokens = response.logprobTokens!;
    expect(tokens).toHaveLength(4);
    for (const token of tokens) {
      expect(token.alternatives![0].token).toBe(token.token);
      expect(token.alternatives!.length).toBeLessThanOrEqual(3);
    }
    // 'OK' has a shorter vocabulary token that starts it, listed second
    expect(tokens[0].alternatives!.map((a) => a.token)).toEqual(['OK', 'O']);
  });

  it('takes base URLs ending in /v1beta or /v1, whose version it then uses', async () => {
    for (const [base, path] of [
      [`${server.url}/v1beta`, '/v1beta/models/gemini-2.5-flash:countTokens'],
      [`${server.url}/v1beta/`, '/v1beta/models/gemini-2.5-flash:countTokens'],
      [`${server.url}/v1`, '/v1/models/gemini-2.5-flash:countTokens'],
      [`${server.url}?api_version=v1`, '/v1/models/gemini-2.5-flash:countTokens'],
    ]) {
      await geminiTarget(base).target.send(request);
      expect(server.received.at(-1)!.path).toBe(path);
    }
    const gemini = httpScheme('gemini')!;
    const { protocol, baseUrl } = gemini.create('https://gw.example/proxy/google/v1beta?key=abc');
    expect(joinUrl(baseUrl, protocol.call(request, { model: MODEL }))).toBe(
      'https://gw.example/proxy/google/v1beta/models/gemini-2.5-flash:countTokens?key=abc',
    );
    expect(() => gemini.create('https://gw.example/v1?api_version=v1beta')).toThrow(
      /ends in \/v1 but api_version=v1beta/,
    );
  });

  it('is refused by the server without a key, with a wrong key, an unknown model or a system role', async () => {
    await expect(geminiTarget(server.url, '', { key: null }).target.send(request)).rejects.toThrow(
      /HTTP 403.*unregistered callers/,
    );
    await expect(geminiTarget(server.url, '', { key: 'bad' }).target.send(request)).rejects.toThrow(
      /HTTP 400.*API key not valid/,
    );
    await expect(geminiTarget(server.url, '', { model: 'gemini-0' }).target.send(request)).rejects.toThrow(
      /HTTP 404.*models\/gemini-0 is not found/,
    );
    const systemRole = await requestServer(`${server.url}/v1beta/models/${MODEL}:countTokens`, {
      body: { contents: [{ role: 'system', parts: [{ text: SYSTEM }] }] },
      headers: { 'x-goog-api-key': KEY },
    });
    expect(systemRole.status).toBe(400);
    expect(systemRole.text).toContain('Please use a valid role: user, model.');
    const plainText = await requestServer(`${server.url}/v1beta/models/${MODEL}:countTokens`, {
      body: { contents: [{ role: 'user', parts: [{ text: USER }] }] },
      headers: { 'x-goog-api-key': KEY, 'content-type': 'text/plain;charset=UTF-8' },
    });
    expect(plainText.status).toBe(400);
    expect(plainText.text).toContain('must be application/json');
  });

  it('asks for a model and refuses unknown settings', () => {
    expect(() => geminiProtocol().call(request, {})).toThrow(UserError);
    expect(() => geminiSettings({ count: 'tokens' })).toThrow(
      /count=tokens is not one of countTokens, generateContent/,
    );
  });
});

describe('gemini protocol on other replies', () => {
  let answer: unknown;
  let other: JsonServer;
  beforeAll(async () => {
    other = await startJsonServer(() => {
      if (typeof answer === 'string') return { status: 200, text: answer };
      if (Array.isArray(answer)) return { status: 200, events: answer.map((data) => ({ data })) };
      return { status: 200, json: answer };
    });
  });
  afterAll(() => other.close());
  async function send(reply: unknown, r: TargetRequest = request) {
    answer = reply;
    return geminiTarget(other.url)
      .target.send(r)
      .catch((e: unknown) => e as Error);
  }

  it('reads an answer without usageMetadata (a proxy may drop it) as one without usage', async () => {
    const reply = await send(
      { candidates: [{ content: { parts: [{ text: 'OK' }] } }] },
      { ...request, wantLogprobs: true },
    );
    expect(reply).not.toBeInstanceOf(Error);
    expect((reply as TargetResponse).usage).toBeUndefined();
    expect((reply as TargetResponse).text).toBe('OK');
  });

  it('reads cached content tokens', async () => {
    expect(((await send({ totalTokens: 40, cachedContentTokenCount: 30 })) as { usage: unknown }).usage).toEqual({
      promptTokens: 40,
      cachedTokens: 30,
    });
  });

  it('fails each malformed answer once, without retrying it', async () => {
    const generating = { ...request, wantLogprobs: true };
    const cases: [unknown, TargetRequest, RegExp][] = [
      [{ total_tokens: 4 }, request, /gemini countTokens: totalTokens should be a token count/],
      [{ candidates: ['x'], usageMetadata: { promptTokenCount: 3 } }, generating, /candidate should be an object/],
      [
        {
          candidates: [{ logprobsResult: { chosenCandidates: [{ token: 'OK' }] } }],
          usageMetadata: { promptTokenCount: 3 },
        },
        generating,
        /chosen candidate should be/,
      ],
    ];
    for (const [reply, r, message] of cases) {
      const before = other.received.length;
      const error = await send(reply, r);
      expect(error).toBeInstanceOf(TargetRequestError);
      expect((error as Error).message).toMatch(message);
      expect(other.received.length - before).toBe(1);
    }
  });

  it('treats a stream without its finishReason as broken off', async () => {
    const error = await send(
      [{ candidates: [{ content: { parts: [{ text: 'O' }] } }], usageMetadata: { promptTokenCount: 3 } }],
      { ...request, wantChunks: true },
    );
    expect((error as Error).message).toMatch(/gemini: the stream broke off before its finishReason/);
  });
});
