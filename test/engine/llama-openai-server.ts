import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Token } from 'node-llama-cpp';
import { chatPromptTokens, llamaTokenize, type PromptMessage } from './llama-chat-prompt.js';
import { generate, type GeneratedToken, type LlamaEngine } from './llama-engine.js';
import { pieceForJson, tokenPiece } from './llama-pieces.js';

export interface LlamaOpenAiServer {
  /** e.g. `http://127.0.0.1:41234`; the OpenAI routes are under `/v1`. */
  url: string;
  close(): Promise<void>;
}

type Json = Record<string, any>;

export interface LlamaOpenAiServerOptions {
  /** Answer without any `usage` and ignore `stream_options.include_usage`, as some gateways and proxies do. */
  omitUsage?: boolean;
}

class BadRequest extends Error {}

/** Output cap when a request sets none: short, because a random-weight model has nothing to say. */
const DEFAULT_MAX_TOKENS = 16;
const MAX_TOP_LOGPROBS = 20;

async function readJson(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (body && typeof body === 'object' && !Array.isArray(body)) return body;
  } catch {
    // reported below
  }
  throw new BadRequest('the body must be a JSON object');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function messagesOf(body: Json): PromptMessage[] {
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw new BadRequest('messages must be a non-empty array');
  return body.messages.map((m: Json, i: number) => {
    if (typeof m?.role !== 'string') throw new BadRequest(`messages[${i}].role must be a string`);
    const content =
      typeof m.content === 'string'
        ? m.content
        : Array.isArray(m.content)
          ? m.content
              .filter((part: Json) => part?.type === 'text')
              .map((part: Json) => String(part.text))
              .join('')
          : '';
    return { role: m.role, content };
  });
}

// ignoreBOM: a piece may start with U+FEFF, which is text here, not a byte order mark.
const lossy = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * An OpenAI-compatible chat completions endpoint and llama-server's `/tokenize`, over llama.cpp through node-llama-cpp:
 * the GGUF's template rendered by llama.cpp, prompt and output counted by llama.cpp, token text from llama.cpp's
 * pieces. Listens on 127.0.0.1 on a free port.
 */
export async function startLlamaOpenAiServer(
  engine: LlamaEngine,
  modelName = 'tiny',
  serving: LlamaOpenAiServerOptions = {},
): Promise<LlamaOpenAiServer> {
  const { model } = engine;
  let requests = 0;

  const logprobEntry = (token: Token, probability: number) => {
    const bytes = tokenPiece(model, token, true);
    return {
      token: lossy.decode(bytes),
      logprob: Math.log(Math.max(probability, Number.MIN_VALUE)),
      bytes: [...bytes],
    };
  };
  const logprobsOf = (tokens: readonly GeneratedToken[]) =>
    tokens.map((t) => ({
      ...logprobEntry(t.token, t.probability ?? 0),
      top_logprobs: (t.top ?? []).map((c) => logprobEntry(c.token, c.probability)),
    }));

  async function chatCompletions(body: Json, response: ServerResponse): Promise<void> {
    const messages = messagesOf(body);
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new BadRequest('max_tokens must be a positive integer');
    const wantLogprobs = body.logprobs === true;
    const top = body.top_logprobs ?? 0;
    if (!Number.isInteger(top) || top < 0 || top > MAX_TOP_LOGPROBS)
      throw new BadRequest(`top_logprobs must be an integer from 0 to ${MAX_TOP_LOGPROBS}`);
    if (body.top_logprobs !== undefined && !wantLogprobs) throw new BadRequest('top_logprobs needs logprobs: true');
    const stream = body.stream === true;
    const includeUsage = stream && body.stream_options?.include_usage === true && !serving.omitUsage;

    const prompt = chatPromptTokens(model, engine.render, messages);
    if (prompt.tokens.length + maxTokens > engine.context.contextSize) {
      throw new BadRequest(
        `the prompt (${prompt.tokens.length} tokens) and max_tokens (${maxTokens}) exceed the context size (${engine.context.contextSize})`,
      );
    }
    const id = `chatcmpl-${++requests}`;
    const created = Math.floor(Date.now() / 1000);
    const head = { id, created, model: modelName, system_fingerprint: 'llama.cpp' };
    const options = {
      maxTokens,
      temperature: body.temperature ?? 0,
      seed: body.seed ?? 0,
      top: wantLogprobs ? top : undefined,
    };
    const usage = (completion: number) => ({
      prompt_tokens: prompt.tokens.length,
      completion_tokens: completion,
      total_tokens: prompt.tokens.length + completion,
    });

    if (!stream) {
      const generated: GeneratedToken[] = [];
      for await (const token of generate(engine, prompt.tokens, options)) generated.push(token);
      const shown = generated.filter((t) => !t.end);
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(Buffer.concat(shown.map((t) => t.piece)));
      sendJson(response, 200, {
        ...head,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text, refusal: null },
            logprobs: wantLogprobs ? { content: logprobsOf(shown), refusal: null } : null,
            finish_reason: generated.at(-1)?.end ? 'stop' : 'length',
          },
        ],
        ...(serving.omitUsage ? {} : { usage: usage(generated.length) }),
      });
      return;
    }

    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const send = (choices: unknown[], extra: Json = {}) =>
      response.write(
        `data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices, ...(includeUsage ? { usage: null } : {}), ...extra })}\n\n`,
      );
    send([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]);
    // Pieces can split a UTF-8 character: as llama-server does, text waits until it is whole, and its tokens go out together.
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    let pending: GeneratedToken[] = [];
    let count = 0;
    let ended = false;
    for await (const token of generate(engine, prompt.tokens, options)) {
      count++;
      if (token.end) {
        ended = true;
        break;
      }
      pending.push(token);
      const text = decoder.decode(token.piece, { stream: true });
      if (text === '') continue;
      send([
        {
          index: 0,
          delta: { content: text },
          logprobs: wantLogprobs ? { content: logprobsOf(pending), refusal: null } : null,
          finish_reason: null,
        },
      ]);
      pending = [];
    }
    const rest = decoder.decode();
    if (pending.length > 0 || rest !== '') {
      send([
        {
          index: 0,
          delta: { content: rest },
          logprobs: wantLogprobs ? { content: logprobsOf(pending), refusal: null } : null,
          finish_reason: null,
        },
      ]);
    }
    send([{ index: 0, delta: {}, logprobs: null, finish_reason: ended ? 'stop' : 'length' }]);
    if (includeUsage) send([], { usage: usage(count) });
    response.end('data: [DONE]\n\n');
  }

  function tokenize(body: Json, response: ServerResponse): void {
    if (typeof body.content !== 'string') throw new BadRequest('content must be a string');
    const tokens = llamaTokenize(model, body.content, body.add_special === true);
    const withPieces = body.with_pieces === true;
    sendJson(response, 200, {
      tokens: withPieces ? tokens.map((id) => ({ id, piece: pieceForJson(tokenPiece(model, id, true)) })) : tokens,
    });
  }

  const server = createServer((request, response) => {
    void (async () => {
      try {
        if (request.method !== 'POST')
          return sendJson(response, 405, { error: { message: 'only POST is served', type: 'invalid_request_error' } });
        const path = new URL(request.url ?? '/', 'http://localhost').pathname;
        const body = await readJson(request);
        if (path === '/v1/chat/completions') return await engine.exclusive(() => chatCompletions(body, response));
        if (path === '/tokenize') return tokenize(body, response);
        sendJson(response, 404, { error: { message: `no route ${path}`, type: 'invalid_request_error' } });
      } catch (error) {
        const status = error instanceof BadRequest ? 400 : 500;
        if (!response.headersSent)
          sendJson(response, status, {
            error: {
              message: String((error as Error).message ?? error),
              type: status === 400 ? 'invalid_request_error' : 'server_error',
            },
          });
        else response.end();
      }
    })();
  });
  // A test may spend longer than Node's 5 s keep-alive between two requests on a busy machine; the client would then
  // reuse a socket the server has just closed (ECONNRESET).
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
