import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { CHAT_TEMPLATES } from '../../../src/targets/chat-templates.js';
import { TargetRequestError } from '../../../src/targets/http/executor.js';
import { llamacppTokenizeProtocol, llamacppTokenizeSettings } from '../../../src/targets/http/llamacpp-tokenize.js';
import { vllmTokenizeSettings } from '../../../src/targets/http/vllm-tokenize.js';
import type { TargetRequest } from '../../../src/targets/target.js';
import { requestServer, startJsonServer, type JsonServer } from '../../helpers/generic-json-server.js';
import { loopbackTarget } from '../../helpers/generic-target.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startLlamacppServer, startTgiServer, startVllmTokenizeServer } from '../../helpers/tokenize-test-servers.js';

const USER = 'Please reply with OK.\n\nnaïve café — 東京タワー isn\'t   "quoted" <|im_end|> 🦙🚲\n\nThanks.';
const request: TargetRequest = {
  messages: [
    { role: 'system', content: 'You are a terse assistant.' },
    { role: 'user', content: USER },
  ],
};
const joined = `You are a terse assistant.\n\n${USER}`;
const servers: JsonServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

const send = (id: string, r: TargetRequest = request, model?: string) =>
  loopbackTarget(id, { options: { model } }).target.send(r);

async function started(server: Promise<JsonServer>): Promise<JsonServer> {
  servers.push(await server);
  return servers.at(-1)!;
}

describe('vLLM /tokenize', () => {
  let qwen: Tokenizer;
  let server: JsonServer;
  beforeAll(async () => {
    qwen = await committedTokenizer('qwen2.5');
    server = await started(
      startVllmTokenizeServer({ tokenizer: qwen, model: 'Qwen/Qwen2.5-7B-Instruct', template: CHAT_TEMPLATES.chatml }),
    );
  });

  it('counts the joined text exactly, with token ids and vocabulary strings', async () => {
    const response = await send(`vllm:${server.url}`, request, 'Qwen/Qwen2.5-7B-Instruct');
    expect(server.received.at(-1)!.json).toEqual({
      model: 'Qwen/Qwen2.5-7B-Instruct',
      prompt: joined,
      add_special_tokens: false,
      return_token_strs: true,
    });
    const ids = qwen.encode(joined);
    expect(response.usage).toEqual({ promptTokens: ids.length });
    expect(response.metadata).toMatchObject({ tokenIds: ids, maxModelLen: 32768 });
    expect(response.logprobTokens!.map((t) => t.token)).toEqual(ids.map((id) => qwen.tokenString(id)));
    expect(response.logprobTokens!.every((t) => t.logprob === undefined)).toBe(true);
    // <|im_end|> in user text is one control token on a Hugging Face tokenizer.
    expect(ids).toContain(qwen.specialTokens.find((t) => t.content === '<|im_end|>')!.id);
  });

  it('counts the conversation through the server chat template with input=messages', async () => {
    const response = await send(`vllm:${server.url}?input=messages`);
    expect(server.received.at(-1)!.json).toMatchObject({ messages: request.messages, add_generation_prompt: true });
    expect(response.usage?.promptTokens).toBe(qwen.encode(CHAT_TEMPLATES.chatml.render(request.messages)).length);
    expect(response.usage?.promptTokens).toBeGreaterThan(qwen.encode(joined).length);
  });

  it('is refused for another model, or with both prompt and messages', async () => {
    await expect(send(`vllm:${server.url}`, request, 'other')).rejects.toThrow(
      /HTTP 404.*The model `other` does not exist/,
    );
    const both = await requestServer(`${server.url}/tokenize`, { body: { prompt: 'x', messages: [] } });
    expect(both.status).toBe(400);
    expect(() => vllmTokenizeSettings({ input: 'chat' })).toThrow(/input=chat is not one of prompt, messages/);
  });
});

describe('SGLang /tokenize', () => {
  it('counts the joined text exactly with token ids and no strings', async () => {
    const qwen = await committedTokenizer('qwen2.5');
    const server = await started(
      startVllmTokenizeServer({ tokenizer: qwen, model: 'qwen', template: CHAT_TEMPLATES.chatml, dialect: 'sglang' }),
    );
    const response = await send(`sglang:${server.url}`);
    expect(server.received.at(-1)!.json).toEqual({ prompt: joined, add_special_tokens: false });
    const ids = qwen.encode(joined);
    expect(response.usage?.promptTokens).toBe(ids.length);
    expect(response.metadata!.tokenIds).toEqual(ids);
    expect(response.logprobTokens).toBeUndefined();
  });
});

describe('llama.cpp /tokenize', () => {
  let llama3: Tokenizer;
  let server: JsonServer;
  beforeAll(async () => {
    llama3 = await committedTokenizer('llama3');
    server = await started(startLlamacppServer({ tokenizer: llama3, bos: '<|begin_of_text|>' }));
  });

  it('counts exactly and gives each piece, as bytes where a token splits a character', async () => {
    const response = await send(`llamacpp:${server.url}`);
    expect(server.received.at(-1)!.json).toEqual({
      content: joined,
      add_special: false,
      parse_special: true,
      with_pieces: true,
    });
    const ids = llama3.encode(joined);
    expect(response.usage?.promptTokens).toBe(ids.length);
    expect(response.metadata!.tokenIds).toEqual(ids);
    const bytes = response.logprobTokens!.flatMap((t) => t.bytes!);
    expect(Buffer.from(bytes).toString('utf8')).toBe(joined);
    const split = (await requestServer(`${server.url}/tokenize`, { body: { content: joined, with_pieces: true } }))
      .json as { tokens: { piece: unknown }[] };
    expect(split.tokens.some((t) => Array.isArray(t.piece))).toBe(true);
  });

  it('reads a plain id list too, and refuses a bad setting', async () => {
    const reply = await requestServer(`${server.url}/tokenize`, { body: { content: 'Hello world' } });
    expect(llamacppTokenizeProtocol().parse(reply, request)).toEqual({
      usage: { promptTokens: 2 },
      metadata: { tokenIds: llama3.encode('Hello world') },
    });
    expect(llamacppTokenizeSettings({ parse_special: 'false' })).toEqual({ parseSpecial: false });
    expect(() => llamacppTokenizeSettings({ parse_special: 'no' })).toThrow(/parse_special=no/);
  });
});

describe('TGI /tokenize', () => {
  it('counts exactly, BOS included, with the span of text each token covers', async () => {
    const gemma = await committedTokenizer('gemma3');
    const server = await started(startTgiServer({ tokenizer: gemma, bos: '<bos>' }));
    const response = await send(`tgi:${server.url}`);
    expect(server.received.at(-1)!.json).toEqual({ inputs: joined });
    const ids = gemma.encode(joined);
    expect(response.usage?.promptTokens).toBe(ids.length + 1);
    expect(response.metadata).toMatchObject({ tokenIds: [2, ...ids], specialTokenIds: [2] });
    expect(response.logprobTokens!.map((t) => t.token).join('')).toBe(joined);
    const missing = await requestServer(`${server.url}/tokenize`, { body: { input: joined } });
    expect(missing.status).toBe(422);
  });
});

describe('tokenize protocols on bad replies', () => {
  let answer: unknown;
  let bad: JsonServer;
  beforeAll(async () => {
    bad = await started(
      startJsonServer(() =>
        typeof answer === 'string' ? { status: 200, text: answer } : { status: 200, json: answer },
      ),
    );
  });

  it('fails each malformed answer once, without retrying it', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['vllm', { count: 3, tokens: [1, 2] }, /vllm: count 3 disagrees with 2 token ids/],
      ['vllm', { count: 2, tokens: [1, 2], token_strs: ['a'] }, /token_strs should be one string per token/],
      ['sglang', { count: 1, tokens: ['a'] }, /sglang: tokens should be token ids/],
      ['llamacpp', { tokens: [{ id: 1, piece: [300] }] }, /piece should be text or a byte list/],
      ['llamacpp', { ids: [] }, /llamacpp: tokens should be an array/],
      ['tgi', { tokens: [] }, /tgi: expected a list of tokens/],
      ['tgi', [{ id: 1, text: 'a' }], /a token should be \{id, text, special, start, stop\}/],
    ];
    for (const [scheme, reply, message] of cases) {
      answer = reply;
      const before = bad.received.length;
      const error = await send(`${scheme}:${bad.url}`).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(TargetRequestError);
      expect((error as Error).message).toMatch(message);
      expect(bad.received.length - before).toBe(1);
    }
    answer = 'Internal Server Error';
    await expect(send(`sglang:${bad.url}`)).rejects.toThrow(/not JSON/);
  });
});
