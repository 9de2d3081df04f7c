import type { Dispatcher } from 'undici';
import { UserError } from '../../util/errors.js';
import type { Target, TargetRequest, TargetResponse } from '../target.js';
import {
  ProtocolError,
  TruncatedReplyError,
  type HttpCall,
  type HttpReply,
  type Protocol,
  type ProtocolOptions,
} from './protocol.js';
import { ANSWER_LIMIT_DEFAULTS, streamEventLimit, type AnswerLimits } from './answer-limits.js';
import { limiterFor, type RateLimit } from './rate-limit.js';
import { redactHeaders } from './redact.js';
import { cacheKey, requestKey, type CanonicalRequest, type ResponseCache } from './response-cache.js';
import { retryAfterMs } from './retry-after.js';
import { AttemptError, withRetries, type RetryPolicy } from './retry.js';
import { Redactor } from './secrets.js';
import { parseSse } from './sse.js';
import { HopFailure, sendHop, type HopResult } from './transport.js';
import type { WireEntry, WireLog } from './wire-entry.js';

export interface ExecutorSettings {
  /** The target's base URL; relative call paths resolve against it keeping its query, and only its origin gets the key. */
  baseUrl: string;
  apiKey?: string;
  /** Every secret of the target (the key, credential query parameters); built from `apiKey` alone when absent. */
  redactor?: Redactor;
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

/**
 * A target request whose answer broke a cap or the protocol: asking again (or resuming the run, which keeps its
 * caps) gets the same answer, so the way on is a new run with the cap raised.
 */
export class AnswerCutError extends TargetRequestError {
  constructor(message: string) {
    super(message);
    this.name = 'AnswerCutError';
  }
}

/** One attempt whose answer was cut at a cap. */
class CutAttempt extends AttemptError {
  constructor(message: string) {
    super(message, false);
  }
}

/** The call's path under the base URL's path, with the base URL's query (e.g. `?key=…&api-version=…`) and then the call's own. */
export function joinUrl(baseUrl: string, call: Pick<HttpCall, 'path' | 'query'>): string {
  const base = new URL(baseUrl);
  const search = base.search;
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const url = new URL(call.path.replace(/^\/+/, ''), base);
  url.search = search;
  for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
  return url.href;
}

/** Redirects are followed to web URLs only: a `file:` or `data:` location is never fetched. */
function redirectTarget(location: string, from: string): string {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new AttemptError(`redirect to a location that is not a URL`, false);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:')
    throw new AttemptError(
      `refused a redirect to a ${next.protocol} URL (only http and https redirects are followed)`,
      false,
    );
  return next.href;
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
export function httpTarget(
  id: string,
  description: string,
  protocol: Protocol,
  settings: ExecutorSettings,
): HttpTarget {
  const now = settings.now ?? (() => new Date());
  const origin = new URL(settings.baseUrl).origin;
  const credentials = settings.apiKey ? protocol.authHeaders(settings.apiKey) : {};
  const secretNames = Object.keys(credentials);
  const limiter = limiterFor(protocol.scheme, origin, settings.apiKey, settings.rateLimit);
  const redactor = settings.redactor ?? Redactor.from({ apiKey: settings.apiKey });
  // bodies by value only (an answer's text is evidence); URLs and messages also by the place of credential parameters
  const scrub = (text: string) => redactor.text(text);
  const line = (text: string) => redactor.line(text);
  const shownHeaders = (headers: Record<string, string>) => redactor.headers(redactHeaders(headers, secretNames));
  const record = (entry: WireEntry) => settings.wire?.append(entry);
  let credentialTag: Promise<string> | undefined;
  const cacheKeyFor = (key: string, cache: ResponseCache) => {
    credentialTag ??= cache.salt().then((salt) => redactor.credentialTag(salt));
    return credentialTag.then((tag) => cacheKey(key, tag));
  };
  const caps = { ...ANSWER_LIMIT_DEFAULTS, ...settings.limits };

  const toReply = (
    status: number,
    headers: Record<string, string>,
    body: string,
    stream: boolean,
    complete: boolean,
  ): HttpReply => {
    if (stream && (headers['content-type'] ?? '').includes('text/event-stream'))
      return { status, headers, text: body, events: parseSse(body), complete };
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new AttemptError(`HTTP ${status} with a body that is not JSON: ${line(body).slice(0, 80)}`, true);
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
  const attempt = async (
    key: string,
    n: number,
    canonical: CanonicalRequest,
    stream: boolean,
    request: TargetRequest,
  ) => {
    let { method, url, body } = canonical;
    const limits: AnswerLimits = {
      maxBytes: caps.maxResponseBytes,
      ...(stream ? streamEventLimit(caps.maxStreamEvents, request.maxOutputTokens) : {}),
    };
    for (let hops = 0; ; hops++) {
      const sameOrigin = new URL(url).origin === origin;
      const headers = {
        ...canonical.headers,
        accept: stream ? 'text/event-stream' : 'application/json',
        ...(sameOrigin ? credentials : {}),
      };
      record({
        kind: 'http-request',
        key,
        attempt: n,
        at: now().toISOString(),
        method,
        url: line(url),
        headers: shownHeaders(headers),
        ...(body !== undefined ? { body: scrub(body) } : {}),
      });
      const started = performance.now();
      let result: HopResult;
      try {
        result = await limiter.add(() =>
          sendHop({ method, url, headers, body }, settings.dispatcher, settings.timeoutMs, limits),
        );
      } catch (error) {
        const message = line((error as Error).message);
        record({
          kind: 'http-error',
          key,
          attempt: n,
          at: now().toISOString(),
          ms: performance.now() - started,
          message,
        });
        throw new AttemptError(`${method} ${line(url)}: ${message}`, !(error instanceof HopFailure) || error.retryable);
      }
      const responseHeaders = shownHeaders(result.headers);
      const text = redactor.body(result.body, (result.headers['content-type'] ?? '').includes('text/event-stream'));
      record({
        kind: 'http-response',
        key,
        attempt: n,
        at: now().toISOString(),
        ms: result.ms,
        status: result.status,
        headers: responseHeaders,
        body: text,
        complete: result.complete,
        stream,
        ...(result.cut && { cut: result.cut }),
      });
      if (result.cut) throw new CutAttempt(`${method} ${line(url)}: answer not used: ${result.cut}`);
      const { status } = result;
      if (status >= 300 && status < 400 && result.headers.location) {
        if (hops >= MAX_REDIRECTS)
          throw new AttemptError(`more than ${MAX_REDIRECTS} redirects from ${line(canonical.url)}`, false);
        url = redirectTarget(result.headers.location, url);
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      if (status >= 200 && status < 300) {
        if (!result.complete && !stream)
          throw new AttemptError(`${method} ${line(url)}: answer broke off: ${line(result.bodyError ?? '')}`, true);
        const reply = toReply(status, responseHeaders, text, stream, result.complete);
        return { reply, parsed: parse(reply, request), latencyMs: result.ms, url };
      }
      // redacted before it is cut, so a key that straddles the cut cannot leave its first characters behind
      const summary = `${method} ${line(url)}: HTTP ${status}: ${line(text).slice(0, 200).replace(/\s+/g, ' ')}`;
      throw new AttemptError(summary, RETRYABLE_STATUS.has(status), retryAfterMs(result.headers));
    }
  };

  const exchange = async (call: HttpCall, options: ExchangeOptions = {}): Promise<HttpReply> => {
    const url = joinUrl(options.baseUrl ?? settings.baseUrl, call);
    const canonical: CanonicalRequest = {
      method: call.method,
      url,
      headers: { ...(call.headers ?? {}) },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
    };
    const key = requestKey({ ...canonical, url: line(url) });
    const sameOrigin = new URL(url).origin === origin;
    const headers = {
      ...(call.body !== undefined && { 'content-type': 'application/json' }),
      ...canonical.headers,
      accept: 'application/json',
      ...(sameOrigin ? credentials : {}),
    };
    const timeoutMs = options.timeoutMs ?? settings.timeoutMs;
    // a busy or failing server's last answer is still an answer for the caller to read
    let last: HttpReply | undefined;
    try {
      return await withRetries({ ...settings.retry, retries: options.retries ?? settings.retry.retries }, async (n) => {
        last = undefined;
        const { method, body } = canonical;
        record({
          kind: 'http-request',
          key,
          attempt: n,
          at: now().toISOString(),
          method,
          url: line(url),
          headers: shownHeaders(headers),
          ...(body !== undefined ? { body: scrub(body) } : {}),
        });
        const started = performance.now();
        let result: HopResult;
        try {
          result = await limiter.add(() =>
            sendHop({ method, url, headers, body }, settings.dispatcher, timeoutMs, {
              maxBytes: caps.maxResponseBytes,
            }),
          );
        } catch (error) {
          const message = line((error as Error).message);
          record({
            kind: 'http-error',
            key,
            attempt: n,
            at: now().toISOString(),
            ms: performance.now() - started,
            message,
          });
          throw new AttemptError(
            `${method} ${line(url)}: ${message}`,
            !(error instanceof HopFailure) || error.retryable,
          );
        }
        const responseHeaders = shownHeaders(result.headers);
        const text = redactor.body(result.body, false);
        record({
          kind: 'http-response',
          key,
          attempt: n,
          at: now().toISOString(),
          ms: result.ms,
          status: result.status,
          headers: responseHeaders,
          body: text,
          complete: result.complete,
          stream: false,
          ...(result.cut && { cut: result.cut }),
        });
        if (result.cut) throw new AttemptError(`${method} ${line(url)}: answer not used: ${result.cut}`, false);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const reply: HttpReply = {
          status: result.status,
          headers: responseHeaders,
          text,
          ...(json !== undefined && { json }),
          complete: result.complete,
        };
        last = reply;
        if (RETRYABLE_STATUS.has(result.status))
          throw new AttemptError(`${method} ${line(url)}: HTTP ${result.status}`, true, retryAfterMs(result.headers));
        return reply;
      });
    } catch (error) {
      if (last) return last;
      throw new TargetRequestError(`${id}: ${line((error as Error).message)}`);
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
      // the request as recorded and cached: credential parameters of the URL redacted
      const shown: CanonicalRequest = { ...canonical, url: line(canonical.url) };
      const key = requestKey(shown);
      const stored = settings.cache && (await cacheKeyFor(key, settings.cache));
      const stream = Boolean(call.stream);
      const rawRequest = { method: canonical.method, url: shown.url, body: call.body };

      const at = now();
      const cached = stored && !request.fresh ? await settings.cache?.get(stored, key, at) : undefined;
      if (cached) {
        try {
          const headers = redactor.headers(cached.headers);
          const body = redactor.body(cached.body, cached.stream);
          const reply = toReply(cached.status, headers, body, cached.stream, true);
          const parsed = protocol.parse(reply, request);
          const ageSeconds = Math.round((at.getTime() - Date.parse(cached.storedAt)) / 1000);
          const replayed = { replayed: true as const, storedAt: cached.storedAt, ageSeconds };
          record({
            kind: 'http-cached',
            key,
            at: at.toISOString(),
            ...replayed,
            status: cached.status,
            headers,
            body,
            stream: cached.stream,
          });
          return redactor.value({
            ...parsed,
            latencyMs: 0,
            metadata: { ...parsed.metadata, requestKey: key, ...replayed },
            raw: { request: rawRequest, response: reply.json ?? reply.text },
          });
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
        const failed = `${id}: request failed${tries}: ${line((error as Error).message)}`;
        throw error instanceof CutAttempt ? new AnswerCutError(failed) : new TargetRequestError(failed);
      }
      const { reply, parsed, latencyMs } = answer;
      if (stored)
        await settings.cache?.put(stored, {
          request: shown,
          status: reply.status,
          headers: reply.headers,
          body: reply.text,
          stream,
          storedAt: now().toISOString(),
        });
      return redactor.value({
        ...parsed,
        latencyMs,
        metadata: { ...parsed.metadata, requestKey: key, attempts },
        raw: { request: rawRequest, response: reply.json ?? reply.text },
      });
    },
  };
}
