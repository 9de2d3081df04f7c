import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicShapedServer } from '../../bench/wire/anthropic-shaped.js';
import { startGeminiShapedServer } from '../../bench/wire/gemini-shaped.js';
import { startOpenAiShapedServer } from '../../bench/wire/openai-shaped.js';
import type { WireServer } from '../../bench/wire/wire-server.js';
import type { Tokenizer } from '../../src/references/tokenizer.js';
import { chatTemplate } from '../../src/targets/chat-templates.js';
import { createTarget } from '../../src/targets/create-target.js';
import { simulatedTarget } from '../../src/targets/sim-target.js';
import type { Target } from '../../src/targets/target.js';
import { committedTokenizer } from '../helpers/manifest-references.js';

/**
 * The bench's loopback servers of each API's documented wire format, over a simulated model on Yi's real
 * SentencePiece vocabulary: what the documentation says comes back, and that the project's adapters read it.
 */
let tokenizer: Tokenizer;
let model: Target;
const servers: WireServer[] = [];

beforeAll(async () => {
  tokenizer = await committedTokenizer('yi');
  model = simulatedTarget({
    id: 'sim:yi',
    description: 'yi',
    tokenizer,
    template: chatTemplate('chatml'),
    hiddenSystemPrompt: '',
    answers: { seed: 5, streamInterval: 2 },
  });
});
afterAll(async () => Promise.all(servers.map((s) => s.close())));

async function started(server: Promise<WireServer>): Promise<WireServer> {
  const s = await server;
  servers.push(s);
  return s;
}

/** A documented JSON request; the answer's body read loosely, as the assertions name its fields. */
async function post(url: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (): Promise<any> => response.json(), text: () => response.text() };
}

async function events(response: { text(): Promise<string> }): Promise<{ event?: string; data: any }[]> {
  const out: { event?: string; data: any }[] = [];
  const parser = createParser({
    onEvent: (e) => out.push({ event: e.event, data: e.data === '[DONE]' ? '[DONE]' : JSON.parse(e.data) }),
  });
  parser.feed(await response.text());
  return out;
}

const utf8 = (bytes: number[]) => Buffer.from(bytes).toString('utf8');
const question = [{ role: 'user', content: 'Tell me about the sea.' }];
const env = { OPENAI_API_KEY: 'sk-x', ANTHROPIC_API_KEY: 'sk-ant-x', GEMINI_API_KEY: 'g-x' };
const adapter = (id: string, extra: Record<string, unknown> = {}) =>
  createTarget(id, {
    cwd: process.cwd(),
    env,
    reference: async () => {
      throw new Error('unused');
    },
    http: { model: 'm', retries: 0, detectTokenize: false, requestsPerSecond: 1000, ...extra },
  });

describe('the OpenAI-shaped server', () => {
  it('answers with usage and logprob tokens whose bytes spell the text, and streams the same answer with usage last', async () => {
    const server = await started(startOpenAiShapedServer(model));
    const url = `${server.url}/v1/chat/completions`;
    const auth = { authorization: 'Bearer sk-x' };
    const body = { model: 'm', messages: question, max_tokens: 12, seed: 3, logprobs: true, top_logprobs: 2 };
    const json = await (await post(url, body, auth)).json();
    const choice = json.choices[0];
    expect(json.usage.completion_tokens).toBeGreaterThan(0);
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens);
    expect(utf8(choice.logprobs.content.flatMap((t: any) => t.bytes)).trimStart()).toBe(choice.message.content);
    expect(choice.logprobs.content.every((t: any) => t.top_logprobs.length === 2)).toBe(true);
    expect(choice.finish_reason).toBe(json.usage.completion_tokens === 12 ? 'length' : 'stop');

    const streamed = await events(
      await post(url, { ...body, stream: true, stream_options: { include_usage: true } }, auth),
    );
    expect(streamed.at(-1)!.data).toBe('[DONE]');
    const last = streamed.at(-2)!.data;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(json.usage);
    const deltas = streamed.slice(0, -2).flatMap((e) => (e.data.choices[0].delta.content ? [e.data.choices[0]] : []));
    expect(deltas.map((c) => c.delta.content).join('')).toBe(choice.message.content);
    // each chunk carries the logprob tokens that spell it
    for (const [i, c] of deltas.entries()) {
      const spelled = utf8(c.logprobs.content.flatMap((t: any) => t.bytes));
      expect(i === 0 ? spelled.trimStart() : spelled).toBe(c.delta.content);
    }
  });

  it('sends no usage at all when told to, and refuses a request without a key', async () => {
    const server = await started(startOpenAiShapedServer(model, { omitUsage: true }));
    const url = `${server.url}/v1/chat/completions`;
    const body = { model: 'm', messages: question, max_tokens: 4 };
    expect((await (await post(url, body, { authorization: 'Bearer k' })).json()).usage).toBeUndefined();
    const streamed = await events(
      await post(
        url,
        { ...body, stream: true, stream_options: { include_usage: true } },
        { authorization: 'Bearer k' },
      ),
    );
    expect(streamed.some((e) => e.data !== '[DONE]' && e.data.usage)).toBe(false);
    const refused = await post(url, body, {});
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.type).toBe('authentication_error');
  });
});

describe('the Anthropic-shaped server', () => {
  it('streams the documented events, counts alike in count_tokens and messages, and wants anthropic-version', async () => {
    const server = await started(startAnthropicShapedServer(model));
    const headers = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };
    const body = { model: 'm', max_tokens: 10, system: 'Be brief.', messages: question };
    const streamed = await events(await post(`${server.url}/v1/messages`, { ...body, stream: true }, headers));
    expect(streamed.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...streamed.filter((e) => e.event === 'content_block_delta').map(() => 'content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(streamed.every((e) => e.data.type === e.event)).toBe(true);
    const input = streamed[0].data.message.usage.input_tokens;
    const counted = await (await post(`${server.url}/v1/messages/count_tokens`, body, headers)).json();
    expect(counted).toEqual({ input_tokens: input });
    const output = streamed.find((e) => e.event === 'message_delta')!.data;
    expect(['max_tokens', 'end_turn']).toContain(output.delta.stop_reason);
    expect(output.usage.output_tokens).toBeLessThanOrEqual(11);

    const unversioned = await post(`${server.url}/v1/messages`, body, { 'x-api-key': 'k' });
    expect(unversioned.status).toBe(400);
    expect((await unversioned.json()).type).toBe('error');
    expect((await post(`${server.url}/v1/v1/messages`, body, headers)).status).toBe(404);
  });
});

describe('the Gemini-shaped server', () => {
  it('streams whole GenerateContentResponses with logprobsResult per event and counts alike in countTokens', async () => {
    const server = await started(startGeminiShapedServer(model));
    const headers = { 'x-goog-api-key': 'k' };
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'Tell me about the sea.' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 9, seed: 2, responseLogprobs: true, logprobs: 3 },
    };
    const streamed = await events(
      await post(`${server.url}/v1beta/models/m:streamGenerateContent?alt=sse`, body, headers),
    );
    const last = streamed.at(-1)!.data;
    expect(streamed.slice(0, -1).every((e) => e.data.candidates[0].finishReason === undefined)).toBe(true);
    expect(['STOP', 'MAX_TOKENS']).toContain(last.candidates[0].finishReason);
    const chosen = streamed.flatMap((e) => e.data.candidates[0].logprobsResult.chosenCandidates);
    const text = streamed.map((e) => e.data.candidates[0].content.parts[0].text).join('');
    expect(
      chosen
        .map((c: any) => c.token)
        .join('')
        .trimStart(),
    ).toBe(text);
    if (last.candidates[0].finishReason === 'MAX_TOKENS') expect(chosen.length).toBe(9);
    expect(last.usageMetadata.candidatesTokenCount).toBeGreaterThanOrEqual(chosen.length);
    const counted = await (
      await post(
        `${server.url}/v1beta/models/m:countTokens`,
        { generateContentRequest: { model: 'models/m', ...body } },
        headers,
      )
    ).json();
    expect(counted.totalTokens).toBe(last.usageMetadata.promptTokenCount);
    expect((await post(`${server.url}/v1beta/models/m:generateContent`, body, {})).status).toBe(401);
  });
});

describe("the project's adapters read each server", () => {
  const request = {
    messages: [{ role: 'user' as const, content: 'Tell me about the sea.' }],
    maxOutputTokens: 8,
    seed: 1,
  };

  // Anthropic takes no sampling seed and the Gemini adapter sends none: those servers draw one from the request.
  it.each([
    ['openai', (url: string) => `openai:${url}/v1`, startOpenAiShapedServer, true],
    ['anthropic', (url: string) => `anthropic:${url}`, startAnthropicShapedServer, false],
    ['gemini', (url: string) => `gemini:${url}`, startGeminiShapedServer, false],
  ] as const)('%s: streamed chunks and counts as the model made them', async (_name, id, start, seeded) => {
    const server = await started(start(model));
    const target = await adapter(id(server.url));
    const direct = await model.send({ ...request, wantChunks: true });
    const read = await target.send({ ...request, wantChunks: true });
    expect(read.usage?.promptTokens).toBe(direct.usage?.promptTokens);
    expect(read.chunks!.length).toBeGreaterThan(0);
    expect(read.chunks!.join('')).toBe(read.text);
    if (seeded) {
      expect(read.chunks).toEqual(direct.chunks);
      expect(read.usage?.completionTokens).toBe(direct.usage?.completionTokens);
    }
  });
});
