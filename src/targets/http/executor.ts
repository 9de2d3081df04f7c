import type { Dispatcher } from 'undici';
import { UserError } from '../../util/errors.js';
import type { Target, TargetRequest, TargetResponse } from '../target.js';
import { ProtocolError, TruncatedReplyError, type HttpCall, type HttpReply, type Protocol, type ProtocolOptions } from './protocol.js';
import { ANSWER_LIMIT_DEFAULTS, streamEventLimit, type AnswerLimits } from './answer-limits.js';
import { limiterFor, type RateLimit } from './rate-limit.js';
import { redactHeaders, scrubSecret, scrubValue } from './redact.js';
import { requestKey, type CanonicalRequest, type ResponseCache } from './response-cache.js';
import { retryAfterMs } from './retry-after.js';
import { AttemptError, withRetries, type RetryPolicy } from './retry.js';
import { parseSse } from './sse.js';
import { HopFailure, sendHop, type HopResult } from './transport.js';
import type { WireEntry, WireLog } from './wire-entry.js';

export interface ExecutorSettings {
  /** The target's base URL; relative call paths resolve against it, and only its origin gets the key. */
  baseUrl: string;
  apiKey?: string;
  protocolOptions: ProtocolOptions;
  timeoutMs: number;
  retry: RetryPolicy;
  rateLimit: RateLimit;
  dispatcher: Dispatcher;
  cache?: ResponseCache;
  /** Where every attempt is recorded before its answer is used. */
  wire?: WireLog;
  now?: () => Date;
  /** Caps on one answer; ANSWER_LIMIT_DEFAULTS where unset. */
  limits?: Partial<typeof ANSWER_LIMIT_DEFAULTS>;
}

const MAX_REDIRECTS = 5;
const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

/** The error a failed target request ends in: one line, already free of the key. */
export class TargetRequestError extends UserError {
  constructor(message: string) {
    super(message, { exitCode: 3 });
    this.name = 'TargetRequestError';
  }
}

export function joinUrl(baseUrl: string, call: Pick<HttpCall, 'path' | 'query'>): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const url = new URL(call.path.replace(/^\/+/, ''), base);
  for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
  return url.href;
}

/** How a bare call differs from a target request: its own base URL (same origin), timeout and retries. */
export interface ExchangeOptions {
  baseUrl?: string;
  timeoutMs?: number;
  retries?: number;
}

/** A target on the executor that can also send a bare wire call, e.g. to probe what else the server serves. */
export interface HttpTarget extends Target {
  /**
   * Sends `call` once per attempt and hands back the reply whatever its status; it is recorded like every
   * other exchange and never cached. Redirects are not followed. Throws a TargetRequestError when no answer came.
   */
  exchange(call: HttpCall, options?: ExchangeOptions): Promise<HttpReply>;
}

/** The one HTTP executor: a pure protocol in, a target out. */
export function httpTarget(id: string, description: string, protocol: Protocol, settings: ExecutorSettings): HttpTarget {
  const now = settings.now ?? (() => new Date());
  const origin = new URL(settings.baseUrl).origin;
  const credentials = settings.apiKey ? protocol.authHeaders(settings.apiKey) : {};
  const secretNames = Object.keys(credentials);
  const limiter = limiterFor(protocol.scheme, origin, settings.apiKey, settings.rateLimit);
  const scrub = (text: string) => scrubSecret(text, settings.apiKey);
  const record = (entry: WireEntry) => settings.wire?.append(entry);
  const caps = { ...ANSWER_LIMIT_DEFAULTS, ...settings.limits };

  const toReply = (status: number, headers: Record<string, string>, body: string, stream: boolean, complete: boolean): HttpReply => {
    if (stream && (headers['content-type'] ?? '').includes('text/event-stream')) return { status, headers, text: body, events: parseSse(body), complete };
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new AttemptError(`HTTP ${status} with a body that is not JSON: ${scrub(body.slice(0, 80))}`, true);
    }
    return { status, headers, text: body, json, complete };
  };

  const parse = (reply: HttpReply, request: TargetRequest) => {
    try {
      return protocol.parse(reply, request);
    } catch (error) {
      if (error instanceof TruncatedReplyError) throw new AttemptError(error.message, true);
      if (error instanceof ProtocolError) throw new AttemptError(`unexpected answer: ${error.message}`, false);
      throw error;
    }
  };

  /** One attempt, following redirects by hand: the key goes only to the configured origin. */
  const attempt = async (key: string, n: number, canonical: CanonicalRequest, stream: boolean, request: TargetRequest) => {
    let { method, url, body } = canonical;
    const limits: AnswerLimits = { maxBytes: caps.maxResponseBytes, ...(stream ? streamEventLimit(caps.maxStreamEvents, request.maxOutputTokens) : {}) };
    for (let hops = 0; ; hops++) {
      const sameOrigin = new URL(url).origin === origin;
      const headers = { ...canonical.headers, accept: stream ? 'text/event-stream' : 'application/json', ...(sameOrigin ? credentials : {}) };
      record({ kind: 'http-request', key, attempt: n, at: now().toISOString(), method, url, headers: redactHeaders(headers, secretNames), ...(body !== undefined ? { body } : {}) });
      const started = performance.now();
      let result: HopResult;
      try {
        result = await limiter.add(() => sendHop({ method, url, headers, body }, settings.dispatcher, settings.timeoutMs, limits));
      } catch (error) {
        const message = scrub((error as Error).message);
        record({ kind: 'http-error', key, attempt: n, at: now().toISOString(), ms: performance.now() - started, message });
        throw new AttemptError(`${method} ${url}: ${message}`, !(error instanceof HopFailure) || error.retryable);
      }
      const responseHeaders = redactHeaders(result.headers, secretNames);
      record({ kind: 'http-response', key, attempt: n, at: now().toISOString(), ms: result.ms, status: result.status, headers: responseHeaders, body: scrub(result.body), complete: result.complete, stream, ...(result.cut && { cut: result.cut }) });
      if (result.cut) throw new AttemptError(`${method} ${url}: answer not used: ${result.cut}`, false);
      const { status } = result;
      if (status >= 300 && status < 400 && result.headers.location) {
        if (hops >= MAX_REDIRECTS) throw new AttemptError(`more than ${MAX_REDIRECTS} redirects from ${canonical.url}`, false);
        url = new URL(result.headers.location, url).href;
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      if (status >= 200 && status < 300) {
        if (!result.complete && !stream) throw new AttemptError(`${method} ${url}: answer broke off: ${scrub(result.bodyError ?? '')}`, true);
        const reply = toReply(status, responseHeaders, result.body, stream, result.complete);
        return { reply, parsed: parse(reply, request), latencyMs: result.ms, url };
      }
      const summary = `${method} ${url}: HTTP ${status}: ${scrub(result.body.slice(0, 200)).replace(/\s+/g, ' ')}`;
      throw new AttemptError(summary, RETRYABLE_STATUS.has(status), retryAfterMs(result.headers));
    }
  };

  const exchange = async (call: HttpCall, options: ExchangeOptions = {}): Promise<HttpReply> => {
    const url = joinUrl(options.baseUrl ?? settings.baseUrl, call);
    const canonical: CanonicalRequest = { method: call.method, url, headers: { ...(call.headers ?? {}) }, ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}) };
    const key = requestKey(canonical);
    const sameOrigin = new URL(url).origin === origin;
    const headers = { ...(call.body !== undefined && { 'content-type': 'application/json' }), ...canonical.headers, accept: 'application/json', ...(sameOrigin ? credentials : {}) };
    const timeoutMs = options.timeoutMs ?? settings.timeoutMs;
    // a busy or failing server's last answer is still an answer for the caller to read
    let last: HttpReply | undefined;
    try {
      return await withRetries({ ...settings.retry, retries: options.retries ?? settings.retry.retries }, async (n) => {
        last = undefined;
        const { method, body } = canonical;
        record({ kind: 'http-request', key, attempt: n, at: now().toISOString(), method, url, headers: redactHeaders(headers, secretNames), ...(body !== undefined ? { body } : {}) });
        const started = performance.now();
        let result: HopResult;
        try {
          result = await limiter.add(() => sendHop({ method, url, headers, body }, settings.dispatcher, timeoutMs, { maxBytes: caps.maxResponseBytes }));
        } catch (error) {
          const message = scrub((error as Error).message);
          record({ kind: 'http-error', key, attempt: n, at: now().toISOString(), ms: performance.now() - started, message });
          throw new AttemptError(`${method} ${url}: ${message}`, !(error instanceof HopFailure) || error.retryable);
        }
        const responseHeaders = redactHeaders(result.headers, secretNames);
        const text = scrub(result.body);
        record({ kind: 'http-response', key, attempt: n, at: now().toISOString(), ms: result.ms, status: result.status, headers: responseHeaders, body: text, complete: result.complete, stream: false, ...(result.cut && { cut: result.cut }) });
        if (result.cut) throw new AttemptError(`${method} ${url}: answer not used: ${result.cut}`, false);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const reply: HttpReply = { status: result.status, headers: responseHeaders, text, ...(json !== undefined && { json }), complete: result.complete };
        last = reply;
        if (RETRYABLE_STATUS.has(result.status)) throw new AttemptError(`${method} ${url}: HTTP ${result.status}`, true, retryAfterMs(result.headers));
        return reply;
      });
    } catch (error) {
      if (last) return last;
      throw new TargetRequestError(`${id}: ${scrub((error as Error).message)}`);
    }
  };

  return {
    id,
    description,
    exchange,
    async send(request): Promise<TargetResponse> {
      const call = protocol.call(request, settings.protocolOptions);
      const canonical: CanonicalRequest = {
        method: call.method,
        url: joinUrl(settings.baseUrl, call),
        headers: { ...(call.headers ?? {}) },
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      };
      const key = requestKey(canonical);
      const stream = Boolean(call.stream);
      const rawRequest = { method: canonical.method, url: canonical.url, body: call.body };

      const cached = request.fresh ? undefined : await settings.cache?.get(key);
      if (cached) {
        try {
          const reply = toReply(cached.status, cached.headers, cached.body, cached.stream, true);
          const parsed = protocol.parse(reply, request);
          record({ kind: 'http-cached', key, at: now().toISOString(), status: cached.status, headers: cached.headers, body: cached.body, stream: cached.stream });
          return scrubValue({ ...parsed, latencyMs: 0, metadata: { ...parsed.metadata, requestKey: key, cached: true }, raw: { request: rawRequest, response: reply.json ?? reply.text } }, settings.apiKey);
        } catch {
          // an entry this protocol no longer reads is ignored and replaced by a fresh answer
        }
      }

      let attempts = 0;
      let answer;
      try {
        answer = await withRetries(settings.retry, (n) => {
          attempts = n;
          return attempt(key, n, canonical, stream, request);
        });
      } catch (error) {
        const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
        throw new TargetRequestError(`${id}: request failed${tries}: ${scrub((error as Error).message)}`);
      }
      const { reply, parsed, latencyMs } = answer;
      await settings.cache?.put(key, { request: canonical, status: reply.status, headers: reply.headers, body: scrub(reply.text), stream, storedAt: now().toISOString() });
      return scrubValue(
        { ...parsed, latencyMs, metadata: { ...parsed.metadata, requestKey: key, attempts }, raw: { request: rawRequest, response: reply.json ?? reply.text } },
        settings.apiKey,
      );
    },
  };
}
