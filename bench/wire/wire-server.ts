import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatMessage, Target, TargetResponse } from '../../src/targets/target.js';
import { seedFromString } from '../../src/util/rng.js';

export type Json = Record<string, any>;

/** What a provider's server gets from a request once its own wire format is read. */
export interface ModelCall {
  messages: ChatMessage[];
  maxTokens: number;
  stream: boolean;
  /** Alternatives per position when logprobs are asked for; undefined when they are not. */
  topLogprobs?: number;
  temperature?: number;
  /** The caller's sampling seed, or one drawn from the request itself where the API takes none. */
  seed: number;
}

/** The model's answer, as the server renders it in its own format. */
export interface ModelAnswer {
  response: TargetResponse;
  /** Cut at `max_tokens` rather than ended by the model. */
  cut: boolean;
}

export interface WireServer {
  /** e.g. `http://127.0.0.1:41234`, without a version segment. */
  url: string;
  /** What the requests did that reading a row needs (an endpoint used, a header missing), with how often. */
  notes: Map<string, number>;
  close(): Promise<void>;
}

export class WireError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(JSON.stringify(body));
  }
}

export interface WireRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Json;
}

/** Writes server-sent events: `event:` lines where the API names its events, then the JSON data. */
export function sse(response: ServerResponse): { send(data: Json, event?: string): void; end(tail?: string): void } {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  return {
    send: (data, event) => response.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`),
    end: (tail) => response.end(tail),
  };
}

/**
 * Asks the simulated model behind the server. Its raw answer says whether `max_tokens` cut it, as a
 * server's finish reason does.
 */
export async function askModel(model: Target, call: ModelCall): Promise<ModelAnswer> {
  const response = await model.send({
    messages: call.messages,
    maxOutputTokens: call.maxTokens,
    wantChunks: call.stream,
    wantLogprobs: call.topLogprobs !== undefined,
    temperature: call.temperature,
    seed: call.seed,
  });
  const raw = response.raw.response as { choices?: { finish_reason?: string }[] };
  return { response, cut: raw.choices?.[0]?.finish_reason === 'length' };
}

/** A sampling seed for APIs that take none: the request body, so different prompts get different answers. */
export function seedOfBody(body: Json): number {
  return seedFromString(JSON.stringify(body));
}

/** Token bytes of a logprob entry: its own where the model gave them, else its text's UTF-8. */
export function tokenBytes(token: { token: string; bytes?: number[] }): number[] {
  return token.bytes ?? [...Buffer.from(token.token, 'utf8')];
}

async function readBody(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const body = JSON.parse(text);
    if (body && typeof body === 'object' && !Array.isArray(body)) return body;
  } catch {
    // answered below
  }
  throw new WireError(400, { message: 'the request body is not a JSON object' });
}

/**
 * A loopback HTTP server on a free port: each request's JSON body read, handed to `handle`, and a WireError
 * answered with its status and body (the API's own error shape).
 */
export async function startWireServer(
  handle: (request: WireRequest, response: ServerResponse, note: (what: string) => void) => Promise<void>,
  errorBody: (status: number, message: string) => Json,
): Promise<WireServer> {
  const notes = new Map<string, number>();
  const note = (what: string) => notes.set(what, (notes.get(what) ?? 0) + 1);
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const url = new URL(request.url ?? '/', 'http://127.0.0.1');
        const body = request.method === 'POST' ? await readBody(request) : {};
        await handle(
          {
            method: request.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            headers: request.headers,
            body,
          },
          response,
          note,
        );
      } catch (error) {
        const wire =
          error instanceof WireError
            ? error
            : new WireError(500, errorBody(500, String((error as Error).message ?? error)));
        if (!response.headersSent) {
          response.writeHead(wire.status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(wire.body));
        } else response.end();
      }
    })();
  });
  // longer than a run's pause between requests on a busy machine, so the client never reuses a socket the server closed
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    notes,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export function sendJson(response: ServerResponse, body: Json): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Whether a request declared a JSON body, as every documented REST call does. */
export function declaresJson(request: WireRequest): boolean {
  return /^application\/json\b/i.test(String(request.headers['content-type'] ?? ''));
}

/**
 * Which logprob tokens each streamed chunk carries: tokens are taken while their bytes fit in the chunks sent so
 * far, and the last chunk takes the rest.
 */
export function tokensPerChunk<T extends { token: string; bytes?: number[] }>(
  chunks: readonly string[],
  tokens: readonly T[],
): T[][] {
  const chunkBytes = chunks.map((c) => Buffer.byteLength(c, 'utf8'));
  const lengths = tokens.map((t) => tokenBytes(t).length);
  // the stream drops the answer's leading space, which the first token still holds
  let seen = lengths.reduce((a, b) => a + b, 0) - chunkBytes.reduce((a, b) => a + b, 0);
  let next = 0;
  let sent = 0;
  return chunkBytes.map((length, i) => {
    sent += length;
    const start = next;
    while (next < tokens.length && (i === chunks.length - 1 || seen + lengths[next] <= sent)) {
      seen += lengths[next];
      next++;
    }
    return tokens.slice(start, next);
  });
}
