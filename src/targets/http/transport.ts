import { fetch, type Dispatcher, type Response } from 'undici';
import { formatBytes, KEPT_PREFIX_BYTES, sseEventCounter, textPrefix, type AnswerLimits } from './answer-limits.js';

export interface Hop {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HopResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** False when the body broke off (reset, timeout) after the headers came. */
  complete: boolean;
  /** Why the body broke off. */
  bodyError?: string;
  /** Set when reading stopped at a cap: why; `body` then holds only its first KEPT_PREFIX_BYTES. */
  cut?: string;
  ms: number;
}

/**
 * Sends one request and reads its answer, without following redirects (the executor does, so it can
 * drop credentials when the origin changes). Reading stops, and the connection is dropped, once the body
 * passes `limits` (bytes, or events of a server-sent-event stream). Throws when no answer came at all.
 */
export async function sendHop(
  hop: Hop,
  dispatcher: Dispatcher,
  timeoutMs: number,
  limits?: AnswerLimits,
): Promise<HopResult> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  const stop = new AbortController();
  const signal = AbortSignal.any([timeout, stop.signal]);
  let response: Response;
  try {
    response = await fetch(hop.url, {
      method: hop.method,
      headers: hop.headers,
      body: hop.body,
      redirect: 'manual',
      signal,
      dispatcher,
    });
  } catch (error) {
    const message = describeFailure(error, timeout, timeoutMs);
    throw new HopFailure(message, !UNTRUSTED.test(message));
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
  const decoder = new TextDecoder();
  let body = '';
  let bodyError: string | undefined;
  let cut: string | undefined;
  let bytes = 0;
  const events =
    limits?.maxEvents !== undefined && (headers['content-type'] ?? '').includes('text/event-stream')
      ? sseEventCounter()
      : undefined;
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        bytes += chunk.byteLength;
        if (limits && bytes > limits.maxBytes) {
          cut = `the body passed ${formatBytes(limits.maxBytes)}, the response size cap (raise it with --max-response-bytes)`;
          break;
        }
        const text = decoder.decode(chunk, { stream: true });
        body += text;
        if (events && events.feed(text) > limits!.maxEvents!) {
          cut = `the stream passed ${limits!.maxEvents} events, ${limits!.eventsReason ?? 'the stream event cap'}`;
          break;
        }
      }
    }
    if (!cut) body += decoder.decode();
  } catch (error) {
    bodyError = describeFailure(error, timeout, timeoutMs);
  }
  if (cut) {
    stop.abort();
    return {
      status: response.status,
      headers,
      body: textPrefix(body, KEPT_PREFIX_BYTES),
      complete: false,
      bodyError: cut,
      cut,
      ms: performance.now() - started,
    };
  }
  return {
    status: response.status,
    headers,
    body,
    complete: bodyError === undefined,
    bodyError,
    ms: performance.now() - started,
  };
}

/** No answer came; `retryable` is false where trying again cannot help (an untrusted certificate). */
export class HopFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'HopFailure';
  }
}

const UNTRUSTED = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|certificate/;

function describeFailure(error: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `timed out after ${timeoutMs} ms`;
  const err = error as Error & { cause?: { code?: string; message?: string } };
  const cause = [err.cause?.code, err.cause?.message].filter(Boolean).join(': ');
  return cause ? `${err.message} (${cause})` : err.message;
}
