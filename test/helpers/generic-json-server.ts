import { clientEndsIdle } from './keep-alive.js';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a loopback test server sees it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: unknown;
}

export type ServerAnswer =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; headers?: Record<string, string> }
  /** Server-sent events, written one by one. */
  | { status: 200; events: { event?: string; data: unknown }[] }
  /** Newline-delimited JSON, as Ollama streams. */
  | { status: 200; ndjson: unknown[] };

export interface JsonServer {
  url: string;
  /** Every request received, in order. */
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 with a free port, answering each request from `handle`. It does not keep the
 * process alive, so it stops with the test run even if `close` is never called.
 */
export async function startJsonServer(handle: (request: ReceivedRequest) => ServerAnswer): Promise<JsonServer> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const request: ReceivedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        text,
        json,
      };
      received.push(request);
      let answer: ServerAnswer;
      try {
        answer = handle(request);
      } catch (error) {
        answer = { status: 500, json: { error: String(error) } };
      }
      write(res, answer);
    });
  });
  server.unref();
  clientEndsIdle(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function write(res: ServerResponse, answer: ServerAnswer): void {
  if ('events' in answer) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const event of answer.events) {
      res.write(
        `${event.event ? `event: ${event.event}\n` : ''}data: ${typeof event.data === 'string' ? event.data : JSON.stringify(event.data)}\n\n`,
      );
    }
    res.end();
  } else if ('ndjson' in answer) {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const line of answer.ndjson) res.write(`${JSON.stringify(line)}\n`);
    res.end();
  } else if ('json' in answer) {
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.json));
  } else {
    res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    res.end(answer.text);
  }
}

/** A plain request to a test server, to check what the server itself accepts or refuses. */
export async function requestServer(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string>; text: string; json?: unknown }> {
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  try {
    return { status: response.status, headers, text, json: JSON.parse(text) };
  } catch {
    return { status: response.status, headers, text };
  }
}
