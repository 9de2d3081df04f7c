import type { HttpCall, HttpReply, Protocol, ProtocolOptions, ServerSentEvent } from '../../src/targets/http/protocol.js';
import type { TargetRequest, TargetResponse } from '../../src/targets/target.js';

/**
 * A test-only stand-in for the HTTP executor: sends one protocol call to a loopback server with plain
 * fetch and reads the answer into an HttpReply. No retries, caching or transcript.
 */
export async function exchange(baseUrl: string, call: HttpCall, authHeaders: Record<string, string> = {}): Promise<HttpReply> {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/${call.path}`);
  for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
  const response = await fetch(url, {
    method: call.method,
    headers: { ...(call.body !== undefined && { 'content-type': 'application/json' }), ...call.headers, ...authHeaders },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
    redirect: 'manual',
  });
  const text = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const streamed = call.stream && (headers['content-type'] ?? '').startsWith('text/event-stream');
  return { status: response.status, headers, text, ...(json !== undefined && { json }), ...(streamed && { events: readEvents(text), complete: true }) };
}

/** One request through a protocol: the call it makes, the reply, and what `parse` read from it (2xx only). */
export async function sendWithProtocol(
  protocol: Protocol,
  baseUrl: string,
  request: TargetRequest,
  options: ProtocolOptions & { apiKey?: string } = {},
): Promise<{ call: HttpCall; reply: HttpReply; response: Omit<TargetResponse, 'latencyMs' | 'raw'> }> {
  const call = protocol.call(request, options);
  const reply = await exchange(baseUrl, call, options.apiKey === undefined ? {} : protocol.authHeaders(options.apiKey));
  if (reply.status < 200 || reply.status > 299) throw new HttpStatusError(reply);
  return { call, reply, response: protocol.parse(reply, request) };
}

export class HttpStatusError extends Error {
  constructor(readonly reply: HttpReply) {
    super(`HTTP ${reply.status}: ${reply.text}`);
  }
}

function readEvents(text: string): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (!block.trim()) continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    events.push({ ...(event !== undefined && { event }), data: data.join('\n') });
  }
  return events;
}
