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
import { redactHeaders } from '../../util/secrets/redact.js';
import { cacheKey, requestKey, type CachedReply, type CanonicalRequest, type ResponseCache } from './response-cache.js';
import { retryAfterMs } from './retry-after.js';
import { AttemptError, withRetries, type RetryPolicy } from './retry.js';
import { Redactor } from '../../util/secrets/secrets.js';
import { parseSse } from './sse.js';
import { HopFailure, sendHop, type Hop, type HopResult } from './transport.js';
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
  constructor(
    message: string,
    /** The HTTP status of the last answer, when the server answered: a 400 may name a field the API does not take. */
    readonly status?: number,
  ) {
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
  /** A smaller response cap than the target's, for a call whose answer is small when it is what was asked for. */
  maxBytes?: number;
}

/** A target on the executor that can also send a bare wire call, e.g. to probe what else the server serves. */
export interface HttpTarget extends Target {
  /**
   * Sends `call` once per attempt and hands back the reply whatever its status; it is recorded like every
   * other exchange and never cached. Redirects are not followed. Throws a TargetRequestError when no answer came.
   */
  exchange(call: HttpCall, options?: ExchangeOptions): Promise<HttpReply>;
}

/** What every exchange of one target shares: where the key may go, how secrets are hidden, where attempts are recorded. */
interface Wire {
  settings: ExecutorSettings;
  origin: string;
  credentials: Record<string, string>;
  limiter: ReturnType<typeof limiterFor>;
  redactor: Redactor;
  /** Response and request headers as recorded: credential headers and secret values hidden. */
  shownHeaders(headers: Record<string, string>): Record<string, string>;
  record(entry: WireEntry): void;
  now(): Date;
}

/** The request as sent and keyed: the call's path under the base URL, its body as JSON. */
function canonicalRequest(call: HttpCall, baseUrl: string): CanonicalRequest {
  return {
    method: call.method,
    url: joinUrl(baseUrl, call),
    headers: { ...(call.headers ?? {}) },
    ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
  };
}

/** Every body sent is JSON: it says so unless the call names its own content type (a spec file's header may). */
function jsonContentType(headers: Record<string, string>, body: string | undefined): Record<string, string> {
  if (body === undefined || Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) return headers;
  return { 'content-type': 'application/json', ...headers };
}

/** The key goes only to the configured origin, never to another host a redirect or a base URL names. */
function withCredentials(wire: Wire, url: string, headers: Record<string, string>): Record<string, string> {
  return { ...headers, ...(new URL(url).origin === wire.origin ? wire.credentials : {}) };
}

interface HopSettings {
  key: string;
  attempt: number;
  timeoutMs: number;
  limits: AnswerLimits;
  /** Whether an event stream was asked for (recorded with the answer). */
  stream: boolean;
  /** Whether an answer that is an event stream is redacted event by event. */
  readsEvents: boolean;
}

/**
 * One hop over the wire, recorded before its answer is used: the request, then the answer or the failure,
 * secrets hidden. Throws an AttemptError when no answer came, and a CutAttempt when it broke a cap.
 */
async function recordedHop(
  wire: Wire,
  hop: Hop,
  how: HopSettings,
): Promise<{ result: HopResult; headers: Record<string, string>; text: string }> {
  const { redactor, record } = wire;
  const entry = { key: how.key, attempt: how.attempt };
  const url = redactor.line(hop.url);
  record({
    kind: 'http-request',
    ...entry,
    at: wire.now().toISOString(),
    method: hop.method,
    url,
    headers: wire.shownHeaders(hop.headers),
    ...(hop.body !== undefined ? { body: redactor.text(hop.body) } : {}),
  });
  const started = performance.now();
  let result: HopResult;
  try {
    result = await wire.limiter.add(() => sendHop(hop, wire.settings.dispatcher, how.timeoutMs, how.limits));
  } catch (error) {
    const message = redactor.line((error as Error).message);
    record({ kind: 'http-error', ...entry, at: wire.now().toISOString(), ms: performance.now() - started, message });
    throw new AttemptError(`${hop.method} ${url}: ${message}`, !(error instanceof HopFailure) || error.retryable);
  }
  const headers = wire.shownHeaders(result.headers);
  const events = how.readsEvents && isEventStream(result.headers);
  const text = redactor.body(result.body, events);
  record({
    kind: 'http-response',
    ...entry,
    at: wire.now().toISOString(),
    ms: result.ms,
    status: result.status,
    headers,
    body: text,
    complete: result.complete,
    stream: how.stream,
    ...(result.cut && { cut: result.cut }),
  });
  if (result.cut) throw new CutAttempt(`${hop.method} ${url}: answer not used: ${result.cut}`);
  return { result, headers, text };
}

function isEventStream(headers: Record<string, string>): boolean {
  return (headers['content-type'] ?? '').includes('text/event-stream');
}

/** A target answer's body as the protocol reads it: server-sent events when streamed, else JSON. */
function toReply(
  redactor: Redactor,
  status: number,
  headers: Record<string, string>,
  body: string,
  stream: boolean,
  complete: boolean,
): HttpReply {
  if (stream && isEventStream(headers)) return { status, headers, text: body, events: parseSse(body), complete };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new AttemptError(`HTTP ${status} with a body that is not JSON: ${redactor.line(body).slice(0, 80)}`, true);
  }
  return { status, headers, text: body, json, complete };
}

/** The protocol's reading of an answer; an answer cut short is worth another attempt, one it cannot read is not. */
function parseReply(protocol: Protocol, reply: HttpReply, request: TargetRequest) {
  try {
    return protocol.parse(reply, request);
  } catch (error) {
    if (error instanceof TruncatedReplyError) throw new AttemptError(error.message, true);
    if (error instanceof ProtocolError) throw new AttemptError(`unexpected answer: ${error.message}`, false);
    throw error;
  }
}

/** One attempt at a target request, following redirects by hand so that the key goes only to the configured origin. */
async function attemptRequest(
  wire: Wire,
  protocol: Protocol,
  canonical: CanonicalRequest,
  request: TargetRequest,
  attempt: { key: string; attempt: number; stream: boolean },
) {
  const { stream } = attempt;
  const caps = { ...ANSWER_LIMIT_DEFAULTS, ...wire.settings.limits };
  const hopSettings: HopSettings = {
    ...attempt,
    timeoutMs: wire.settings.timeoutMs,
    limits: {
      maxBytes: caps.maxResponseBytes,
      ...(stream ? streamEventLimit(caps.maxStreamEvents, request.maxOutputTokens) : {}),
    },
    readsEvents: true,
  };
  let { method, url, body } = canonical;
  for (let hops = 0; ; hops++) {
    const accept = stream ? 'text/event-stream' : 'application/json';
    const headers = withCredentials(wire, url, { ...jsonContentType(canonical.headers, body), accept });
    const { result, headers: shown, text } = await recordedHop(wire, { method, url, headers, body }, hopSettings);
    const { status } = result;
    const line = wire.redactor.line(url);
    if (status >= 300 && status < 400 && result.headers.location) {
      if (hops >= MAX_REDIRECTS)
        throw new AttemptError(`more than ${MAX_REDIRECTS} redirects from ${wire.redactor.line(canonical.url)}`, false);
      url = redirectTarget(result.headers.location, url);
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    if (status >= 200 && status < 300) {
      if (!result.complete && !stream)
        throw new AttemptError(
          `${method} ${line}: answer broke off: ${wire.redactor.line(result.bodyError ?? '')}`,
          true,
        );
      const reply = toReply(wire.redactor, status, shown, text, stream, result.complete);
      return { reply, parsed: parseReply(protocol, reply, request), latencyMs: result.ms };
    }
    // redacted before it is cut, so a key that straddles the cut cannot leave its first characters behind
    const summary = `${method} ${line}: HTTP ${status}: ${wire.redactor.line(text).slice(0, 200).replace(/\s+/g, ' ')}`;
    throw new AttemptError(summary, RETRYABLE_STATUS.has(status), retryAfterMs(result.headers), status);
  }
}

/** A bare call's attempts: no redirect followed, and a busy or failing server's last answer is still an answer. */
async function exchangeCall(wire: Wire, id: string, call: HttpCall, options: ExchangeOptions): Promise<HttpReply> {
  const { settings, redactor } = wire;
  const canonical = canonicalRequest(call, options.baseUrl ?? settings.baseUrl);
  const { method, url, body } = canonical;
  const key = requestKey({ ...canonical, url: redactor.line(url) });
  const headers = withCredentials(wire, url, {
    ...jsonContentType(canonical.headers, body),
    accept: 'application/json',
  });
  const caps = { ...ANSWER_LIMIT_DEFAULTS, ...settings.limits };
  let last: HttpReply | undefined;
  try {
    return await withRetries({ ...settings.retry, retries: options.retries ?? settings.retry.retries }, async (n) => {
      last = undefined;
      const {
        result,
        headers: shown,
        text,
      } = await recordedHop(
        wire,
        { method, url, headers, body },
        {
          key,
          attempt: n,
          timeoutMs: options.timeoutMs ?? settings.timeoutMs,
          limits: { maxBytes: Math.min(options.maxBytes ?? caps.maxResponseBytes, caps.maxResponseBytes) },
          stream: false,
          readsEvents: false,
        },
      );
      const json = parseJsonOrUndefined(text);
      const reply: HttpReply = {
        status: result.status,
        headers: shown,
        text,
        ...(json !== undefined && { json }),
        complete: result.complete,
      };
      last = reply;
      if (RETRYABLE_STATUS.has(result.status))
        throw new AttemptError(
          `${method} ${redactor.line(url)}: HTTP ${result.status}`,
          true,
          retryAfterMs(result.headers),
        );
      return reply;
    });
  } catch (error) {
    if (last) return last;
    throw new TargetRequestError(`${id}: ${redactor.line((error as Error).message)}`);
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The one HTTP executor: a pure protocol in, a target out. */
export function httpTarget(
  id: string,
  description: string,
  protocol: Protocol,
  settings: ExecutorSettings,
): HttpTarget {
  const credentials = settings.apiKey ? protocol.authHeaders(settings.apiKey) : {};
  const secretNames = Object.keys(credentials);
  const origin = new URL(settings.baseUrl).origin;
  const redactor = settings.redactor ?? Redactor.from({ apiKey: settings.apiKey });
  const wire: Wire = {
    settings,
    origin,
    credentials,
    limiter: limiterFor(protocol.scheme, origin, settings.apiKey, settings.rateLimit),
    redactor,
    shownHeaders: (headers) => redactor.headers(redactHeaders(headers, secretNames)),
    record: (entry) => settings.wire?.append(entry),
    now: settings.now ?? (() => new Date()),
  };
  let credentialTag: Promise<string> | undefined;
  const cacheKeyFor = (key: string, cache: ResponseCache) => {
    credentialTag ??= cache.salt().then((salt) => redactor.credentialTag(salt));
    return credentialTag.then((tag) => cacheKey(key, tag));
  };

  return {
    id,
    description,
    ...(protocol.offers && { offers: protocol.offers(settings.protocolOptions) }),
    exchange: (call, options = {}) => exchangeCall(wire, id, call, options),
    async send(request): Promise<TargetResponse> {
      const call = protocol.call(request, settings.protocolOptions);
      const canonical = canonicalRequest(call, settings.baseUrl);
      // the request as recorded and cached: credential parameters of the URL redacted
      const shown: CanonicalRequest = { ...canonical, url: redactor.line(canonical.url) };
      const key = requestKey(shown);
      const stored = settings.cache && (await cacheKeyFor(key, settings.cache));
      const stream = Boolean(call.stream);
      const rawRequest = { method: canonical.method, url: shown.url, body: call.body };

      const at = wire.now();
      const cached = stored && !request.fresh ? await settings.cache?.get(stored, key, at) : undefined;
      const replayed = cached && replayCached(wire, protocol, request, cached, key, at);
      if (replayed)
        return redactor.value({
          ...replayed.parsed,
          latencyMs: 0,
          metadata: { ...replayed.parsed.metadata, requestKey: key, ...replayed.replayed },
          raw: { request: rawRequest, response: replayed.reply.json ?? replayed.reply.text },
        });

      let attempts = 0;
      const answer = await withRetries(settings.retry, (n) => {
        attempts = n;
        return attemptRequest(wire, protocol, canonical, request, { key, attempt: n, stream });
      }).catch((error: Error) => {
        const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
        const failed = `${id}: request failed${tries}: ${redactor.line(error.message)}`;
        throw error instanceof CutAttempt
          ? new AnswerCutError(failed)
          : new TargetRequestError(failed, (error as Partial<AttemptError>).status);
      });
      const { reply, parsed, latencyMs } = answer;
      if (stored)
        await settings.cache?.put(stored, {
          request: shown,
          status: reply.status,
          headers: reply.headers,
          body: reply.text,
          stream,
          storedAt: wire.now().toISOString(),
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

/**
 * A cached answer read as if it had just come, and recorded as replayed; undefined for an entry this protocol
 * no longer reads, which a fresh answer then replaces.
 */
function replayCached(
  wire: Wire,
  protocol: Protocol,
  request: TargetRequest,
  cached: CachedReply,
  key: string,
  at: Date,
) {
  const { redactor } = wire;
  try {
    const headers = redactor.headers(cached.headers);
    const body = redactor.body(cached.body, cached.stream);
    const reply = toReply(redactor, cached.status, headers, body, cached.stream, true);
    const parsed = protocol.parse(reply, request);
    const ageSeconds = Math.round((at.getTime() - Date.parse(cached.storedAt)) / 1000);
    const replayed = { replayed: true as const, storedAt: cached.storedAt, ageSeconds };
    wire.record({
      kind: 'http-cached',
      key,
      at: at.toISOString(),
      ...replayed,
      status: cached.status,
      headers,
      body,
      stream: cached.stream,
    });
    return { reply, parsed, replayed };
  } catch {
    return undefined;
  }
}
