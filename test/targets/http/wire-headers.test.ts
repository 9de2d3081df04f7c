import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJsonServer, type JsonServer, type ServerAnswer } from '../../helpers/generic-json-server.js';
import { loopbackTarget } from '../../helpers/generic-target.js';

/**
 * Every scheme's requests carry the headers its API documents: the key where the API takes it, and
 * `content-type: application/json` on every JSON body. The server answers each route in its API's shape.
 */
const KEY = 'key-wire-headers-5e2a';
let server: JsonServer;

function answer(path: string): ServerAnswer {
  if (path.endsWith('/chat/completions'))
    return {
      status: 200,
      json: {
        choices: [{ index: 0, message: { role: 'assistant', content: 'OK' }, finish_reason: 'length' }],
        usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 },
      },
    };
  if (path === '/api/chat')
    return {
      status: 200,
      json: {
        model: 'm',
        done: true,
        prompt_eval_count: 7,
        eval_count: 1,
        message: { role: 'assistant', content: 'OK' },
      },
    };
  if (path === '/v1/messages')
    return {
      status: 200,
      json: { type: 'message', content: [{ type: 'text', text: 'OK' }], usage: { input_tokens: 7, output_tokens: 1 } },
    };
  if (path.endsWith(':countTokens')) return { status: 200, json: { totalTokens: 7 } };
  if (path === '/tokenize') return { status: 200, json: { tokens: [1, 2, 3], count: 3, max_model_len: 8 } };
  return { status: 404, json: { error: 'no route' } };
}

beforeAll(async () => {
  server = await startJsonServer((request) => answer(request.path));
});
afterAll(() => server.close());

async function sentHeaders(id: string, env: NodeJS.ProcessEnv, model?: string) {
  const { target } = loopbackTarget(id, { env, options: { ...(model && { model }), detectTokenize: false } });
  const before = server.received.length;
  await target.send({ messages: [{ role: 'user', content: 'Hello' }], maxOutputTokens: 1 });
  expect(server.received.length - before).toBe(1);
  return server.received.at(-1)!;
}

describe('documented request headers', () => {
  it('openai: a bearer key and a JSON body, under /v1 when the server is named alone', async () => {
    const sent = await sentHeaders(`openai:${server.url}`, { OPENAI_API_KEY: KEY }, 'm');
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers['content-type']).toBe('application/json');
    const prefixed = await sentHeaders(`openai:${server.url}/proxy/openai/v1`, { OPENAI_API_KEY: KEY }, 'm');
    expect(prefixed.path).toBe('/proxy/openai/v1/chat/completions');
  });

  it('anthropic: x-api-key, anthropic-version and a JSON body', async () => {
    const sent = await sentHeaders(`anthropic:${server.url}/v1`, { ANTHROPIC_API_KEY: KEY }, 'm');
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('gemini: x-goog-api-key, or the key in the query, and a JSON body', async () => {
    const sent = await sentHeaders(`gemini:${server.url}`, { GEMINI_API_KEY: KEY }, 'm');
    expect(sent.headers['x-goog-api-key']).toBe(KEY);
    expect(sent.headers['content-type']).toBe('application/json');
    const inQuery = await sentHeaders(`gemini:${server.url}/v1beta?key=${KEY}`, {}, 'm');
    expect(inQuery.path).toBe('/v1beta/models/m:countTokens');
    expect(inQuery.query.get('key')).toBe(KEY);
    expect(inQuery.headers['content-type']).toBe('application/json');
  });

  it('ollama and the tokenize endpoints: a JSON body at the server root, also from a /v1 base URL', async () => {
    const ollama = await sentHeaders(`ollama:${server.url}/v1`, {}, 'm');
    expect(ollama.path).toBe('/api/chat');
    expect(ollama.headers['content-type']).toBe('application/json');
    for (const scheme of ['vllm', 'sglang']) {
      const sent = await sentHeaders(`${scheme}:${server.url}/v1`, {});
      expect(sent.path).toBe('/tokenize');
      expect(sent.headers['content-type']).toBe('application/json');
    }
  });
});

describe('what each API offers, as its documentation says', () => {
  const offers = (id: string, options: { model?: string; promptLogprobs?: boolean } = {}) =>
    loopbackTarget(id, { options: { model: 'm', ...options } }).target.offers;
  const counts = { usage: true, chunks: false, logprobs: false, promptTokens: false };
  // a tokenize endpoint counts and never answers
  const tokenizeOnly = { ...counts, answers: false };

  it('lists usage, chunks, logprobs and prompt tokens per scheme', () => {
    expect(offers(`openai:${server.url}`)).toEqual({ usage: true, chunks: true, logprobs: true, promptTokens: false });
    expect(offers(`openai:${server.url}`, { promptLogprobs: true })).toMatchObject({ promptTokens: true });
    expect(offers(`openai-completions:${server.url}`)).toEqual({ ...counts, promptTokens: true });
    expect(offers(`anthropic:${server.url}`)).toEqual({
      usage: true,
      chunks: true,
      logprobs: false,
      promptTokens: false,
    });
    expect(offers(`gemini:${server.url}`)).toEqual({ usage: true, chunks: true, logprobs: true, promptTokens: false });
    for (const scheme of ['vllm', 'llamacpp', 'tgi'])
      expect(offers(`${scheme}:${server.url}`)).toEqual({ ...tokenizeOnly, promptTokens: true });
    expect(offers(`sglang:${server.url}`)).toEqual(tokenizeOnly);
    expect(offers(`ollama:${server.url}`)).toEqual(counts);
    expect(offers(`tokenize:${server.url}`)).toEqual(tokenizeOnly);
  });
});
