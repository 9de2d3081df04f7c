import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { CHAT_TEMPLATES } from '../../../src/targets/chat-templates.js';
import { TargetRequestError } from '../../../src/targets/http/executor.js';
import { ollamaProtocol, ollamaSettings } from '../../../src/targets/http/ollama.js';
import { ProtocolError } from '../../../src/targets/http/protocol.js';
import type { TargetRequest } from '../../../src/targets/target.js';
import { UserError } from '../../../src/util/errors.js';
import { requestServer, type JsonServer } from '../../helpers/generic-json-server.js';
import { loopbackTarget } from '../../helpers/generic-target.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startOllamaServer } from '../../helpers/ollama-test-server.js';

const MODEL = 'llama3.1:8b';
const request: TargetRequest = {
  messages: [
    { role: 'system', content: 'You are a terse assistant.' },
    { role: 'user', content: 'Please reply with OK.\n\nnaïve café — 東京タワー 🦙\n\nThanks.' },
  ],
  maxOutputTokens: 1,
};

let llama3: Tokenizer;
let server: JsonServer;
let oldServer: JsonServer;
beforeAll(async () => {
  llama3 = await committedTokenizer('llama3');
  server = await startOllamaServer({ tokenizer: llama3, template: CHAT_TEMPLATES.llama3, model: MODEL });
  oldServer = await startOllamaServer({
    tokenizer: llama3,
    template: CHAT_TEMPLATES.llama3,
    model: MODEL,
    omitCachedPromptCount: true,
  });
});
const send = (url: string, r: TargetRequest = request, model = MODEL) =>
  loopbackTarget(`ollama:${url}`, { options: { model } }).target.send(r);

afterAll(async () => {
  await server.close();
  await oldServer.close();
});

describe('ollama protocol', () => {
  it('reads prompt_eval_count from /api/chat, not streamed, one token predicted', async () => {
    const response = await send(server.url);
    expect(server.received.at(-1)!.json).toEqual({
      model: MODEL,
      stream: false,
      options: { num_predict: 1 },
      messages: request.messages,
    });
    const expected = llama3.encode(CHAT_TEMPLATES.llama3.render(request.messages)).length;
    expect(response.usage).toEqual({ promptTokens: expected, completionTokens: 1, totalTokens: expected + 1 });
    expect(server.received.at(-1)!.path).toBe('/api/chat');
    expect(response.text).toBe('OK');
  });

  it('keeps the full prompt count when the prompt is cached, and says how much was', async () => {
    const again = await send(server.url);
    const expected = llama3.encode(CHAT_TEMPLATES.llama3.render(request.messages)).length;
    expect(again.usage?.promptTokens).toBe(expected);
    expect(again.usage?.cachedTokens).toBe(expected - 1);
  });

  it('reads /api/generate with the system prompt in its own field', async () => {
    const response = await send(`${server.url}?api=generate`, { ...request, maxOutputTokens: 3 });
    expect(server.received.at(-1)!.json).toEqual({
      model: MODEL,
      stream: false,
      options: { num_predict: 3 },
      prompt: request.messages[1].content,
      system: request.messages[0].content,
    });
    expect(response.usage?.promptTokens).toBe(llama3.encode(CHAT_TEMPLATES.llama3.render(request.messages)).length);
    expect(response.usage?.completionTokens).toBe(3);
  });

  it('throws a ProtocolError when an older Ollama leaves the count out of a cached answer', async () => {
    await send(oldServer.url);
    const before = oldServer.received.length;
    const error = (await send(oldServer.url).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TargetRequestError);
    expect(error.message).toMatch(/unexpected answer: ollama: the answer has no prompt_eval_count/);
    expect(oldServer.received.length - before).toBe(1);
  });

  it('throws a ProtocolError on a streamed or malformed answer', async () => {
    const protocol = ollamaProtocol();
    const call = protocol.call(request, { model: MODEL });
    // Left to its default, Ollama streams newline-delimited JSON, which is not one answer.
    const streamed = await requestServer(`${server.url}/api/chat`, {
      body: { ...(call.body as object), stream: undefined },
    });
    expect(streamed.headers['content-type']).toBe('application/x-ndjson');
    expect(() => protocol.parse(streamed, request)).toThrow(ProtocolError);
    await expect(send(server.url, request, 'nope')).rejects.toThrow(/HTTP 404.*model 'nope' not found/);
    expect(() =>
      protocol.parse(
        { status: 200, headers: {}, text: '', json: { done: true, prompt_eval_count: 5, eval_count: 1 } },
        request,
      ),
    ).toThrow(/message should be an object/);
  });

  it('asks for a model and refuses an unknown api', () => {
    expect(() => ollamaProtocol().call(request, {})).toThrow(UserError);
    expect(() => ollamaSettings({ api: 'embed' })).toThrow(/api=embed/);
  });
});
