import { fetch, type Dispatcher } from 'undici';

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
  ms: number;
}

/**
 * Sends one request and reads its whole answer, without following redirects (the executor does,
 * so it can drop credentials when the origin changes). Throws when no answer came at all.
 */
export async function sendHop(hop: Hop, dispatcher: Dispatcher, timeoutMs: number): Promise<HopResult> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  let response;
  try {
    response = await fetch(hop.url, { method: hop.method, headers: hop.headers, body: hop.body, redirect: 'manual', signal, dispatcher });
  } catch (error) {
    const message = describeFailure(error, signal, timeoutMs);
    throw new HopFailure(message, !UNTRUSTED.test(message));
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
  const decoder = new TextDecoder();
  let body = '';
  let bodyError: string | undefined;
  try {
    if (response.body) for await (const chunk of response.body) body += decoder.decode(chunk, { stream: true });
    body += decoder.decode();
  } catch (error) {
    bodyError = describeFailure(error, signal, timeoutMs);
  }
  return { status: response.status, headers, body, complete: bodyError === undefined, bodyError, ms: performance.now() - started };
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
