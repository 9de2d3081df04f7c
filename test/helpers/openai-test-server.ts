import { clientEndsIdle } from './keep-alive.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Tokenizer } from '../../src/references/tokenizer.js';
import type { ChatTemplate } from '../../src/targets/chat-templates.js';
import type { ChatMessage } from '../../src/targets/target.js';
import { seededRng } from '../../src/util/rng.js';

/** What the server does instead of answering one request. */
export type Fault =
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  | { kind: 'server-error' }
  | { kind: 'unavailable'; retryAfterSeconds?: number }
  | { kind: 'reset' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'malformed-json' }
  | { kind: 'cut-stream' }
  | { kind: 'redirect'; to: string };

export interface OpenAiTestServerOptions {
  tokenizer: Tokenizer;
  template: ChatTemplate;
  /** A product's own instructions, prepended to every chat and never shown. */
  hiddenSystemPrompt?: string;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** The fault for the n-th completion request received (1-based), if any. */
  fault?: (n: number) => Fault | undefined;
  /** Added before every answer, e.g. to leave time to kill a client mid-request. */
  delayMs?: number;
  /** The server stops by itself after this many requests or this long, whichever comes first. */
  maxRequests?: number;
  lifetimeMs?: number;
  /** Each billed prompt count moved by a whole number drawn from -amplitude..amplitude (seeded): noisy or padded usage. */
  usageNoise?: { amplitude: number; seed: number };
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
  /** Requests on these paths are passed on to another server (e.g. a tokenize endpoint beside `/v1`). */
  forward?: { paths: string[]; to: string };
}

export interface ReceivedRequest {
  n: number;
  path: string;
  authorization?: string;
  body: string;
  fault?: Fault['kind'];
}

export interface OpenAiTestServer {
  /** Base URL ending in `/v1`. */
  url: string;
  port: number;
  /** Answers delivered in full with their usage: what a provider would bill. */
  billed(): number;
  /** Bodies of billed requests, to check none was billed twice. */
  billedBodies(): string[];
  received: ReceivedRequest[];
  close(): Promise<void>;
}

const REPLY = 'OK';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * An OpenAI-compatible server on 127.0.0.1 backed by a real tokenizer: the prompt is laid out with a
 * chat template and counted, as a server running the model would, and faults can be injected per request.
 */
export async function startOpenAiTestServer(options: OpenAiTestServerOptions): Promise<OpenAiTestServer> {
  const received: ReceivedRequest[] = [];
  const billed: string[] = [];
  const maxRequests = options.maxRequests ?? 2000;
  let completions = 0;
  const { tokenizer } = options;
  const noise = options.usageNoise && seededRng(options.usageNoise.seed);
  const jitter = () => (noise ? noise.int(-options.usageNoise!.amplitude, options.usageNoise!.amplitude) : 0);
  const tokenText = (id: number) => Buffer.from(tokenizer.tokenBytes(id) ?? []).toString('utf8');
  const tokenEntry = (id: number) => ({
    token: tokenText(id),
    logprob: -0.01,
    bytes: [...(tokenizer.tokenBytes(id) ?? [])],
  });

  const bill = (res: ServerResponse, body: string, write: () => void) => {
    if (res.destroyed || res.socket?.destroyed) return;
    write();
    res.end(() => billed.push(body));
  };

  const chat = (_req: IncomingMessage, res: ServerResponse, body: string, fault: Fault | undefined) => {
    const request = JSON.parse(body) as {
      model?: string;
      messages: ChatMessage[];
      max_tokens?: number;
      stream?: boolean;
      stream_options?: { include_usage?: boolean };
      logprobs?: boolean;
      top_logprobs?: number;
    };
    const messages = options.hiddenSystemPrompt
      ? [
          { role: 'system' as const, content: options.hiddenSystemPrompt },
          ...request.messages.filter((m) => m.role !== 'system'),
        ]
      : request.messages;
    const promptTokens = tokenizer.encode(options.template.render(messages)).length + jitter();
    const output = tokenizer.encode(REPLY).slice(0, Math.max(1, request.max_tokens ?? 16));
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: output.length,
      total_tokens: promptTokens + output.length,
      prompt_tokens_details: { cached_tokens: 0 },
    };
    const base = {
      id: `chatcmpl-${completions}`,
      created: 0,
      model: request.model ?? 'test-model',
      system_fingerprint: 'fp_test',
    };
    const logprobsFor = (ids: number[]) =>
      request.logprobs
        ? {
            content: ids.map((id) => ({
              ...tokenEntry(id),
              top_logprobs: (request.top_logprobs ?? 0) > 0 ? [tokenEntry(id)] : [],
            })),
          }
        : null;
    if (!request.stream) {
      const answer = {
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: output.map(tokenText).join('') },
            logprobs: logprobsFor(output),
            finish_reason: 'length',
          },
        ],
        usage,
      };
      const text = JSON.stringify(answer);
      if (fault?.kind === 'malformed-json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text.slice(0, Math.floor(text.length / 2)));
        return;
      }
      bill(res, body, () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(text);
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (value: unknown) => res.write(`data: ${JSON.stringify(value)}\n\n`);
    send({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    });
    for (const id of output)
      send({
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { content: tokenText(id) }, logprobs: logprobsFor([id]), finish_reason: null }],
      });
    if (fault?.kind === 'malformed-json') {
      res.end('data: {"id": "chatcmpl-broken", "choi\n\ndata: [DONE]\n\n');
      return;
    }
    if (fault?.kind === 'cut-stream') {
      // the usage chunk never comes: the connection dies mid-stream
      setTimeout(() => res.socket?.destroy(), 5);
      return;
    }
    send({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'length' }],
    });
    if (request.stream_options?.include_usage) send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
    bill(res, body, () => res.write('data: [DONE]\n\n'));
  };

  const legacy = (res: ServerResponse, body: string) => {
    const request = JSON.parse(body) as {
      model?: string;
      prompt: string;
      max_tokens?: number;
      echo?: boolean;
      logprobs?: number | null;
    };
    const prompt = tokenizer.encode(request.prompt);
    const output = tokenizer.encode(REPLY).slice(0, Math.max(1, request.max_tokens ?? 16));
    const shown = request.echo ? [...prompt, ...output] : output;
    let offset = 0;
    const logprobs =
      typeof request.logprobs === 'number'
        ? {
            tokens: shown.map(tokenText),
            token_logprobs: shown.map((_, i) => (request.echo && i === 0 ? null : -0.01)),
            top_logprobs: null,
            text_offset: shown.map((id) => ((offset += tokenText(id).length), offset - tokenText(id).length)),
          }
        : null;
    const answer = {
      id: `cmpl-${completions}`,
      object: 'text_completion',
      created: 0,
      model: request.model ?? 'test-model',
      choices: [
        {
          index: 0,
          text: (request.echo ? request.prompt : '') + output.map(tokenText).join(''),
          logprobs,
          finish_reason: 'length',
        },
      ],
      usage: {
        prompt_tokens: prompt.length,
        completion_tokens: output.length,
        total_tokens: prompt.length + output.length,
      },
    };
    bill(res, body, () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify(answer));
    });
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const isCompletion = req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions');
    const n = isCompletion ? ++completions : 0;
    const fault = isCompletion ? options.fault?.(n) : undefined;
    received.push({ n, path, authorization: req.headers.authorization, body, ...(fault ? { fault: fault.kind } : {}) });
    if (received.length >= maxRequests) setImmediate(() => server.close());

    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      const given = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      return json(401, {
        error: {
          message: `Incorrect API key provided: ${given}.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
    }
    if (path === '/v1/models') return json(200, { object: 'list', data: [{ id: 'test-model', object: 'model' }] });
    if (options.forward?.paths.includes(path)) {
      const answer = await fetch(new URL(path, options.forward.to), {
        method: req.method,
        headers: { 'content-type': 'application/json' },
        ...(req.method === 'POST' && { body }),
      });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      return res.end(await answer.text());
    }
    if (!isCompletion) return json(404, { error: { message: `no route ${req.method} ${path}` } });

    if (options.delayMs) await sleep(options.delayMs);
    switch (fault?.kind) {
      case 'rate-limit':
        return json(
          429,
          { error: { message: 'Rate limit reached', type: 'requests' } },
          { 'retry-after': String(fault.retryAfterSeconds) },
        );
      case 'server-error':
        return json(500, { error: { message: 'The server had an error while processing your request.' } });
      case 'unavailable':
        return json(
          503,
          { error: { message: 'overloaded' } },
          fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
        );
      case 'reset':
        return req.socket.destroy();
      case 'slow':
        await sleep(fault.delayMs);
        break;
      case 'redirect':
        res.writeHead(307, { location: `${fault.to}${path.replace(/^\/v1/, '')}` });
        return res.end();
    }
    if (res.destroyed || req.socket.destroyed) return;
    if (path === '/v1/completions') return legacy(res, body);
    return chat(req, res, body, fault);
  };
  const server = options.tls ? createTlsServer(options.tls, handler) : createServer(handler);
  clientEndsIdle(server);

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lifetime = setTimeout(() => server.close(), options.lifetimeMs ?? 10 * 60_000);
  lifetime.unref();
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/v1`,
    port,
    billed: () => billed.length,
    billedBodies: () => [...billed],
    received,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(lifetime);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
