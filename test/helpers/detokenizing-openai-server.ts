import { clientEndsIdle } from './keep-alive.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tokenizer } from '../../src/references/tokenizer.js';
import type { ChatTemplate } from '../../src/targets/chat-templates.js';
import type { ChatMessage } from '../../src/targets/target.js';

export interface DetokenizingServerOptions {
  /** The model's tokenizer: prompts are counted, answers cut and streamed with it. */
  tokenizer: Tokenizer;
  template: ChatTemplate;
  /** Tokens generated between two streamed chunks (1 to 4). */
  tokensPerChunk?: number;
  /** Logprob token strings decoded one token at a time, so a SentencePiece token loses its word-initial space. */
  tokensDecodedAlone?: boolean;
  /**
   * Logprob token strings decoded in context, as TGI and vLLM show them: "" for a token ending inside a character,
   * then the whole character (with the bytes held back) on the token that completes it; alternatives alike.
   */
  tokensDecodedInContext?: boolean;
  lifetimeMs?: number;
  /** Sends no `usage` at all, streamed or not, as some gateways and proxies do. */
  withoutUsage?: boolean;
  /** Answers a request asking for logprobs with HTTP 400, as APIs without them do. */
  refusesLogprobs?: boolean;
}

const MAX_ANSWER_TOKENS = 256;
const ALTERNATIVES_CAP = 20;

/** Whether the tokenizer puts a space before the text (SentencePiece's dummy prefix), which decoding strips again. */
function addsDummyPrefix(tokenizer: Tokenizer): boolean {
  const first = tokenizer.encode('a')[0];
  return tokenizer.tokenBytes(first)?.[0] === 0x20;
}

/**
 * Incremental detokenization as vLLM, TGI and llama.cpp stream: each chunk is what decoding every token
 * so far adds to the text decoded before it. Bytes of a character split across tokens wait for the rest;
 * a dummy-prefix space is stripped once, at the start of the answer.
 */
export function detokenize(
  tokenizer: Tokenizer,
  ids: readonly number[],
  tokensPerChunk: number,
): { text: string; ids: number[] }[] {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const strip = addsDummyPrefix(tokenizer);
  const chunks: { text: string; ids: number[] }[] = [];
  let pending: number[] = [];
  let started = false;
  for (let i = 0; i < ids.length; i++) {
    pending.push(ids[i]);
    if (pending.length < tokensPerChunk && i < ids.length - 1) continue;
    const bytes = pending.flatMap((id) => [...(tokenizer.tokenBytes(id) ?? [])]);
    let text = decoder.decode(Uint8Array.from(bytes), { stream: true });
    if (!started && strip && text.startsWith(' ')) text = text.slice(1);
    if (!text) continue;
    started = true;
    chunks.push({ text, ids: pending });
    pending = [];
  }
  return chunks;
}

/** A token's string as a wrapper that decodes it alone renders it: SentencePiece drops the leading space. */
function tokenAlone(tokenizer: Tokenizer, id: number, strip: boolean): string {
  const text = new TextDecoder().decode(tokenizer.tokenBytes(id) ?? new Uint8Array());
  return strip && text.startsWith(' ') ? text.slice(1) : text;
}

/**
 * Each position's pending bytes (those of earlier tokens ending inside a character), for decoding in context.
 */
function heldBack(tokenizer: Tokenizer, ids: readonly number[]): Uint8Array[] {
  const held: Uint8Array[] = [];
  let pending = new Uint8Array();
  for (const id of ids) {
    held.push(pending);
    const bytes = Uint8Array.from([...pending, ...(tokenizer.tokenBytes(id) ?? [])]);
    pending = new TextDecoder().decode(bytes).endsWith('\ufffd') ? bytes : new Uint8Array();
  }
  return held;
}

/**
 * An OpenAI-compatible chat completions server on 127.0.0.1 backed by one real tokenizer, as an honest
 * vLLM or llama.cpp deployment is: usage counts the rendered prompt and the answer with that tokenizer,
 * the answer (a stretch of the user's text chosen by the seed, starting at a word) is that tokenizer's
 * tokens, streamed by incremental detokenization, with logprob entries whose alternatives are other tokens
 * of the prompt.
 */
export async function startDetokenizingServer(
  options: DetokenizingServerOptions,
): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  const { tokenizer } = options;
  const perChunk = Math.min(4, Math.max(1, options.tokensPerChunk ?? 1));
  const strip = addsDummyPrefix(tokenizer);
  let requests = 0;
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end('{"error":{"message":"no route"}}');
    }
    requests++;
    const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
      messages: ChatMessage[];
      max_tokens?: number;
      seed?: number;
      stream?: boolean;
      logprobs?: boolean;
      top_logprobs?: number;
    };
    if (options.refusesLogprobs && body.logprobs) {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({
          error: {
            message: 'logprobs is not supported by this model',
            type: 'invalid_request_error',
            param: 'logprobs',
          },
        }),
      );
    }
    const prompt = options.template.render(body.messages);
    const promptIds = tokenizer.encode(prompt);
    const user = body.messages.map((m) => m.content).join('\n');
    const words = [...user.matchAll(/(?<=\s)\S/g)].map((m) => m.index!);
    const start = words.length ? words[Math.abs(body.seed ?? 0) % words.length] : 0;
    const ids = tokenizer
      .encode(user.slice(start, start + 2000))
      .slice(0, Math.min(MAX_ANSWER_TOKENS, Math.max(1, body.max_tokens ?? 16)));
    const chunks = detokenize(tokenizer, ids, perChunk);
    const text = chunks.map((c) => c.text).join('');
    const usage = {
      prompt_tokens: promptIds.length,
      completion_tokens: ids.length,
      total_tokens: promptIds.length + ids.length,
    };
    const top = Math.min(ALTERNATIVES_CAP, Math.max(0, body.top_logprobs ?? 0));
    const held = heldBack(tokenizer, ids);
    const inContext = (t: number, position: number) => {
      const text = new TextDecoder().decode(Uint8Array.from([...held[position], ...(tokenizer.tokenBytes(t) ?? [])]));
      const shown = text.endsWith('\ufffd') ? '' : text;
      return position === 0 && strip && shown.startsWith(' ') ? shown.slice(1) : shown;
    };
    const entry = (id: number, position: number) => {
      const render = (t: number) => {
        const token = options.tokensDecodedInContext
          ? inContext(t, position)
          : options.tokensDecodedAlone
            ? tokenAlone(tokenizer, t, strip)
            : new TextDecoder().decode(tokenizer.tokenBytes(t) ?? new Uint8Array());
        // vLLM's bytes field is the UTF-8 of the token string it shows.
        return { token, bytes: [...new TextEncoder().encode(token)] };
      };
      const alternatives = Array.from(
        { length: top },
        (_, k) => promptIds[(position * 31 + k * 17) % promptIds.length],
      );
      return {
        ...render(id),
        logprob: -0.05,
        top_logprobs: [render(id), ...alternatives.slice(1).map(render)].map((a, k) => ({ ...a, logprob: -0.05 - k })),
      };
    };
    const head = { id: 'chatcmpl-detok', created: 0, model: body.stream ? 'detok-stream' : 'detok' };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      const logprobs = body.logprobs ? { content: ids.map(entry) } : null;
      return res.end(
        JSON.stringify({
          ...head,
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs, finish_reason: 'length' }],
          ...(!options.withoutUsage && { usage }),
        }),
      );
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (value: unknown) => res.write(`data: ${JSON.stringify(value)}\n\n`);
    let position = 0;
    for (const chunk of chunks) {
      const logprobs = body.logprobs ? { content: chunk.ids.map((id) => entry(id, position++)) } : null;
      send({
        ...head,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { content: chunk.text }, logprobs, finish_reason: null }],
      });
    }
    send({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'length' }] });
    if (!options.withoutUsage) send({ ...head, object: 'chat.completion.chunk', choices: [], usage });
    res.end('data: [DONE]\n\n');
  });
  clientEndsIdle(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lifetime = setTimeout(() => server.close(), options.lifetimeMs ?? 5 * 60_000);
  lifetime.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(lifetime);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
