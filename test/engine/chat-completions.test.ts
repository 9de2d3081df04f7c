import { describe, expect, it } from 'vitest';
import { committedTokenizer } from '../helpers/manifest-references.js';
import { engineServer, type EngineFixture } from './engine-fixture.js';

const USER = 'Translate 你好世界 🌍 and 12345 into    French.';

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

interface LogprobEntry {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

/** The data lines of a server-sent event stream, `[DONE]` included. */
async function sse(response: Response): Promise<string[]> {
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const body = await response.text();
  return body
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length));
}

async function tokenCount(fixture: EngineFixture, text: string): Promise<number> {
  const { tokens } = await fixture.postJson<{ tokens: number[] }>('/tokenize', { content: text, add_special: true });
  return tokens.length;
}

const utf8 = (bytes: number[]) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(Uint8Array.from(bytes));

describe('chat completions on the tiny Qwen2.5 model', () => {
  const fixture = engineServer('qwen2.5');

  it('counts the prompt as llama.cpp tokenizes the templated text, and so does the reference tokenizer', async () => {
    const templated = `<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n${USER}<|im_end|>\n<|im_start|>assistant\n`;
    const body = await fixture.postJson('/v1/chat/completions', {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: USER },
      ],
      max_tokens: 1,
    });
    expect(body.usage.prompt_tokens).toBe(await tokenCount(fixture, templated));
    expect(body.usage.prompt_tokens).toBe((await committedTokenizer('qwen2.5')).encode(templated).length);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it("applies the template's default system prompt when there is none", async () => {
    const templated = `<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n${USER}<|im_end|>\n<|im_start|>assistant\n`;
    const body = await fixture.postJson('/v1/chat/completions', {
      messages: [{ role: 'user', content: USER }],
      max_tokens: 1,
    });
    expect(body.usage.prompt_tokens).toBe(await tokenCount(fixture, templated));
  });

  it('stops at max_tokens, counts what it generated, and answers the same twice', async () => {
    const request = { model: 'tiny', messages: [{ role: 'user', content: USER }], max_tokens: 6 };
    const first = await fixture.postJson('/v1/chat/completions', request);
    const second = await fixture.postJson('/v1/chat/completions', request);
    expect(second.choices[0].message.content).toBe(first.choices[0].message.content);
    expect(first).toMatchObject({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant' } }] });
    const { finish_reason } = first.choices[0];
    if (finish_reason === 'length') expect(first.usage.completion_tokens).toBe(6);
    else expect(first.usage.completion_tokens).toBeLessThanOrEqual(6);
  });

  it('samples with a seed when given a temperature, the same each time', async () => {
    const request = { messages: [{ role: 'user', content: USER }], max_tokens: 6, temperature: 1, seed: 7 };
    const first = await fixture.postJson('/v1/chat/completions', request);
    const second = await fixture.postJson('/v1/chat/completions', request);
    expect(second.choices[0].message.content).toBe(first.choices[0].message.content);
  });

  it('streams OpenAI chunks, with usage only in the last chunk before [DONE]', async () => {
    const request = { messages: [{ role: 'user', content: USER }], max_tokens: 6 };
    const whole = await fixture.postJson('/v1/chat/completions', request);
    const lines = await sse(
      await fixture.post('/v1/chat/completions', { ...request, stream: true, stream_options: { include_usage: true } }),
    );
    expect(lines.at(-1)).toBe('[DONE]');
    const chunks = lines.slice(0, -1).map((line) => JSON.parse(line));
    for (const chunk of chunks)
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', id: chunks[0].id, model: 'tiny-qwen2.5' });
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage as Usage).toEqual(whole.usage);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    const text = chunks
      .slice(0, -1)
      .map((c) => c.choices[0].delta.content ?? '')
      .join('');
    expect(text).toBe(whole.choices[0].message.content);
    expect(chunks.at(-2).choices[0].finish_reason).toBe(whole.choices[0].finish_reason);

    const plain = await sse(await fixture.post('/v1/chat/completions', { ...request, stream: true }));
    expect(plain.slice(0, -1).every((line) => !('usage' in JSON.parse(line)))).toBe(true);
  });

  it('returns logprobs with bytes that spell the answer, each a vocabulary token', async () => {
    const reference = await committedTokenizer('qwen2.5');
    const vocabulary = new Set<string>();
    for (let id = 0; id < reference.vocabSize; id++) vocabulary.add(String(reference.tokenBytes(id) ?? ''));
    const body = await fixture.postJson('/v1/chat/completions', {
      messages: [{ role: 'user', content: USER }],
      max_tokens: 5,
      logprobs: true,
      top_logprobs: 3,
    });
    const entries: LogprobEntry[] = body.choices[0].logprobs.content;
    const ended = body.choices[0].finish_reason === 'stop';
    expect(entries.length).toBe(body.usage.completion_tokens - (ended ? 1 : 0));
    expect(utf8(entries.flatMap((e) => e.bytes))).toBe(body.choices[0].message.content);
    for (const entry of entries) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(3);
      expect(entry.top_logprobs[0]).toMatchObject({ token: entry.token, bytes: entry.bytes, logprob: entry.logprob });
      for (const candidate of [entry, ...entry.top_logprobs])
        expect(vocabulary.has(String(Uint8Array.from(candidate.bytes))), candidate.token).toBe(true);
    }
  });

  it('streams logprobs alongside the text they spell', async () => {
    const lines = await sse(
      await fixture.post('/v1/chat/completions', {
        messages: [{ role: 'user', content: USER }],
        max_tokens: 5,
        logprobs: true,
        stream: true,
      }),
    );
    const chunks = lines.slice(0, -1).map((line) => JSON.parse(line));
    const withText = chunks.filter((c) => c.choices[0]?.delta.content);
    expect(withText.length).toBeGreaterThan(0);
    for (const chunk of withText) {
      const entries: LogprobEntry[] = chunk.choices[0].logprobs.content;
      expect(utf8(entries.flatMap((e) => e.bytes))).toBe(chunk.choices[0].delta.content);
      for (const entry of entries) expect(entry.top_logprobs).toEqual([]);
    }
  });

  it('refuses a malformed request with an OpenAI error', async () => {
    const response = await fixture.post('/v1/chat/completions', { messages: [], max_tokens: 1 });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });
});

describe('chat completions on the tiny Llama 3 model', () => {
  const fixture = engineServer('llama3');

  it('counts the BOS the template writes once, as llama-server does', async () => {
    const templated = `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n${USER}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`;
    const body = await fixture.postJson('/v1/chat/completions', {
      messages: [{ role: 'user', content: USER }],
      max_tokens: 1,
    });
    expect(body.usage.prompt_tokens).toBe(await tokenCount(fixture, templated.slice('<|begin_of_text|>'.length)));
    expect(body.usage.prompt_tokens).toBe((await committedTokenizer('llama3')).encode(templated).length);
  });
});
