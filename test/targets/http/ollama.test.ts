import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { CHAT_TEMPLATES } from '../../../src/targets/chat-templates.js';
import { ollamaProtocol, ollamaSettings } from '../../../src/targets/http/ollama.js';
import { ProtocolError } from '../../../src/targets/http/protocol.js';
import type { TargetRequest } from '../../../src/targets/target.js';
import { UserError } from '../../../src/util/errors.js';
import type { JsonServer } from '../../helpers/generic-json-server.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startOllamaServer } from '../../helpers/ollama-test-server.js';
import { exchange, sendWithProtocol } from '../../helpers/send-with-protocol.js';

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
  oldServer = await startOllamaServer({ tokenizer: llama3, template: CHAT_TEMPLATES.llama3, model: MODEL, omitCachedPromptCount: true });
});
afterAll(async () => {
  await server.close();
  await oldServer.close();
});

describe('ollama protocol', () => {
  it('reads prompt_eval_count from /api/chat, not streamed, one token predicted', async () => {
    const { response } = await sendWithProtocol(ollamaProtocol(), server.url, request, { model: MODEL });
    expect(server.received.at(-1)!.json).toEqual({ model: MODEL, stream: false, options: { num_predict: 1 }, messages: request.messages });
    const expected = llama3.encode(CHAT_TEMPLATES.llama3.render(request.messages)).length;
    expect(response.usage).toEqual({ promptTokens: expected, completionTokens: 1, totalTokens: expected + 1 });
    expect(response.text).toBe('OK');
  });

  it('keeps the full prompt count when the prompt is cached, and says how much was', async () => {
    const again = (await sendWithProtocol(ollamaProtocol(), server.url, request, { model: MODEL })).response;
    const expected = llama3.encode(CHAT_TEMPLATES.llama3.render(request.messages)).length;
    expect(again.usage.promptTokens).toBe(expected);
    expect(again.usage.cachedTokens).toBe(expected - 1);
  });

  it('reads /api/generate with the system prompt in its own field', async () => {
    const { response } = await sendWithProtocol(ollamaProtocol(ollamaSettings({ api: 'generate' })), server.url, { ...request, maxOutputTokens: 3 }, { model: MODEL });
    expect(server.received.at(-1)!.json).toEqual({ model: MODEL, stream: false, options: { num_predict: 3 }, prompt: request.messages[1].content, system: request.messages[0].content });
    expect(response.usage.promptTokens).toBe(llama3.encode(CHAT_TEMPLATES.llama3.render(request.messages)).length);
    expect(response.usage.completionTokens).toBe(3);
  });

  it('throws a ProtocolError when an older Ollama leaves the count out of a cached answer', async () => {
    await sendWithProtocol(ollamaProtocol(), oldServer.url, request, { model: MODEL });
    await expect(sendWithProtocol(ollamaProtocol(), oldServer.url, request, { model: MODEL })).rejects.toThrow(/no prompt_eval_count/);
  });

  it('throws a ProtocolError on a streamed or malformed answer', async () => {
    const protocol = ollamaProtocol();
    const call = protocol.call(request, { model: MODEL });
    const streamed = await exchange(server.url, { ...call, body: { ...(call.body as object), stream: true } });
    expect(() => protocol.parse(streamed, request)).toThrow(ProtocolError);
    const wrongModel = await exchange(server.url, { ...call, body: { ...(call.body as object), model: 'nope' } });
    expect(wrongModel.status).toBe(404);
    expect(() => protocol.parse(wrongModel, request)).toThrow(/HTTP 404/);
    expect(() => protocol.parse({ status: 200, headers: {}, text: '', json: { done: true, prompt_eval_count: 5, eval_count: 1 } }, request)).toThrow(/message should be an object/);
  });

  it('asks for a model and refuses an unknown api', () => {
    expect(() => ollamaProtocol().call(request, {})).toThrow(UserError);
    expect(() => ollamaSettings({ api: 'embed' })).toThrow(/api=embed/);
  });
});
