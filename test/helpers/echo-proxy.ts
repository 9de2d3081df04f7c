import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as it reached the proxy: path and raw query exactly as sent. */
export interface ProxiedRequest {
  method: string;
  path: string;
  /** The raw query string, `?` included (empty when none). */
  search: string;
  query: URLSearchParams;
}

export interface EchoProxy {
  url: string;
  received: ProxiedRequest[];
  close(): Promise<void>;
}

const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key'];
const CREDENTIAL_PARAMS = ['key', 'api-key', 'token'];
const HOP_BY_HOP = ['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding'];

/** More careless echoes, each off unless asked for. */
export interface EchoTricks {
  /** The credential, URL-encoded, in a response header's name. */
  headerName?: boolean;
  /** The credential split in two halves across two extra content deltas of a streamed chat answer. */
  splitStream?: boolean;
  /** An error answer replaced by an HTML page with the credential starting this many characters into it. */
  htmlErrorAt?: number;
  /** A path segment after `/keys/` (a key in the path, as some gateways take it) dropped before passing the request on. */
  keyInPath?: boolean;
  /** The credential header as sent (`Bearer …`) base64-encoded, and every request header as base64url JSON, in response headers. */
  base64Dump?: boolean;
}

/**
 * A careless debugging gateway in front of a test server: it passes every request on and echoes the
 * credential it was given back to the client, in a response header (`x-debug-auth`, as sent) and, for a
 * JSON object body (answers and errors alike), in a `debug` field raw, URL-encoded and with the request URL.
 * It stops by itself after `maxRequests` requests or `lifetimeMs`.
 */
export async function startEchoProxy(
  upstream: string,
  limits: { maxRequests?: number; lifetimeMs?: number } = {},
  tricks: EchoTricks = {},
): Promise<EchoProxy> {
  const received: ProxiedRequest[] = [];
  const maxRequests = limits.maxRequests ?? 500;
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    received.push({ method: req.method ?? 'GET', path: url.pathname, search: url.search, query: url.searchParams });
    if (received.length >= maxRequests) setImmediate(() => server.close());

    const headerName = CREDENTIAL_HEADERS.find((name) => typeof req.headers[name] === 'string');
    const sentHeader = headerName ? (req.headers[headerName] as string) : undefined;
    const paramName = CREDENTIAL_PARAMS.find((name) => url.searchParams.has(name));
    const credential =
      sentHeader?.replace(/^(Bearer|Token) /, '') ?? (paramName ? url.searchParams.get(paramName)! : undefined);

    const forwarded: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string' && !HOP_BY_HOP.includes(name)) forwarded[name] = value;
    let answer: Response;
    try {
      const path = tricks.keyInPath ? (req.url ?? '/').replace(/^\/keys\/[^/]+/, '') : (req.url ?? '/');
      answer = await fetch(new URL(path, upstream), {
        method: req.method,
        headers: forwarded,
        ...(parts.length && { body: Buffer.concat(parts) }),
      });
    } catch {
      res.writeHead(502, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'upstream unreachable', debug: { auth: credential } }));
    }
    let text = await answer.text();
    const type = answer.headers.get('content-type') ?? 'application/json';
    if (credential !== undefined && type.includes('json')) {
      try {
        const json = JSON.parse(text);
        if (json && typeof json === 'object' && !Array.isArray(json))
          text = JSON.stringify({
            ...json,
            debug: { auth: credential, encoded: encodeURIComponent(credential), url: req.url },
          });
      } catch {
        // not JSON after all: passed on as it came
      }
    }
    let contentType = type;
    if (credential !== undefined && tricks.splitStream && type.includes('text/event-stream')) {
      const half = Math.ceil(credential.length / 2);
      const delta = (content: string) =>
        `data: ${JSON.stringify({ id: 'chatcmpl-echo', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }] })}\n\n`;
      const first = text.indexOf('\n\n') + 2;
      text =
        text.slice(0, first) +
        delta(`key ${credential.slice(0, half)}`) +
        delta(`${credential.slice(half)} ok`) +
        text.slice(first);
    }
    if (credential !== undefined && tricks.htmlErrorAt !== undefined && answer.status >= 400) {
      const head = '<html><body><h1>Error</h1><pre>';
      text = `${head}${'.'.repeat(Math.max(0, tricks.htmlErrorAt - head.length))}${credential}</pre></body></html>`;
      contentType = 'text/html';
    }
    res.writeHead(answer.status, {
      'content-type': contentType,
      ...(sentHeader !== undefined && { 'x-debug-auth': sentHeader }),
      ...(paramName && { 'x-debug-url': req.url ?? '' }),
      ...(credential !== undefined && tricks.headerName && { [`x-echo-${encodeURIComponent(credential)}`]: '1' }),
      ...(sentHeader !== undefined &&
        tricks.base64Dump && {
          'x-debug-auth-b64': Buffer.from(sentHeader).toString('base64'),
          'x-debug-headers': Buffer.from(JSON.stringify(req.headers)).toString('base64url'),
        }),
    });
    res.end(text);
  });
  server.unref();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lifetime = setTimeout(() => server.close(), limits.lifetimeMs ?? 5 * 60_000);
  lifetime.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(lifetime);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
