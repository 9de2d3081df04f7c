import type { TargetRequest, TargetResponse } from '../target.js';
import { llamacppTokenizeProtocol } from './llamacpp-tokenize.js';
import { ProtocolError, type HttpCall, type HttpReply, type Protocol, type ProtocolOptions } from './protocol.js';
import { isObject } from './reply-fields.js';
import { tgiTokenizeProtocol } from './tgi-tokenize.js';
import { sglangTokenizeProtocol, vllmTokenizeProtocol } from './vllm-tokenize.js';

/**
 * Telling which tokenize dialect a server speaks, without I/O: the executor sends every dialect's probe
 * to the server and hands the replies to `detectTokenizeDialect`. Each probe is harmless on the other
 * servers (they answer it with an error or a shape the other dialects do not accept), so the order of
 * sending does not matter; the order of this list settles ties.
 */
export interface TokenizeDialect {
  /** The target scheme that speaks this dialect. */
  scheme: 'vllm' | 'sglang' | 'llamacpp' | 'tgi' | 'ollama';
  /** Whether counting costs a generation (Ollama bills one output token's worth of compute). */
  free: boolean;
  probe(options: ProtocolOptions): HttpCall;
  accepts(reply: HttpReply): boolean;
}

const PROBE: TargetRequest = { messages: [{ role: 'user', content: 'Hello world' }] };

function answers(reply: HttpReply, read: () => unknown): boolean {
  if (reply.status !== 200) return false;
  try {
    read();
    return true;
  } catch {
    return false;
  }
}

function json(reply: HttpReply): unknown {
  if (reply.json !== undefined) return reply.json;
  try {
    return JSON.parse(reply.text);
  } catch {
    return undefined;
  }
}

const vllm = vllmTokenizeProtocol();
const sglang = sglangTokenizeProtocol();
const llamacpp = llamacppTokenizeProtocol();
const tgi = tgiTokenizeProtocol();

export const TOKENIZE_DIALECTS: readonly TokenizeDialect[] = [
  {
    scheme: 'vllm',
    free: true,
    probe: (options) => vllm.call(PROBE, options),
    // Only vLLM returns the token strings it was asked for.
    accepts: (reply) =>
      answers(reply, () => vllm.parse(reply, PROBE)) &&
      Array.isArray((json(reply) as Record<string, unknown>).token_strs),
  },
  {
    scheme: 'sglang',
    free: true,
    probe: (options) => sglang.call(PROBE, options),
    accepts: (reply) =>
      answers(reply, () => sglang.parse(reply, PROBE)) && (json(reply) as { count: number }).count > 0,
  },
  {
    scheme: 'llamacpp',
    free: true,
    probe: (options) => llamacpp.call(PROBE, options),
    // llama.cpp answers a body without `content` with no tokens, so an empty list is not a yes.
    accepts: (reply) => answers(reply, () => llamacpp.parse(reply, PROBE)) && pieceList(json(reply)),
  },
  {
    scheme: 'tgi',
    free: true,
    probe: (options) => tgi.call(PROBE, options),
    accepts: (reply) =>
      answers(reply, () => tgi.parse(reply, PROBE)) &&
      Array.isArray(json(reply)) &&
      (json(reply) as unknown[]).length > 0,
  },
  {
    scheme: 'ollama',
    free: false,
    probe: () => ({ method: 'GET', path: 'api/version' }),
    accepts: (reply) =>
      reply.status === 200 &&
      isObject(json(reply)) &&
      typeof (json(reply) as Record<string, unknown>).version === 'string',
  },
];

function pieceList(body: unknown): boolean {
  return (
    isObject(body) &&
    Array.isArray(body.tokens) &&
    body.tokens.length > 0 &&
    body.tokens.every((t) => isObject(t) && 'piece' in t)
  );
}

/** The first dialect, in list order, whose probe reply it accepts; undefined when none does. */
export function detectTokenizeDialect(
  replies: Partial<Record<TokenizeDialect['scheme'], HttpReply>>,
): TokenizeDialect['scheme'] | undefined {
  return TOKENIZE_DIALECTS.find((dialect) => {
    const reply = replies[dialect.scheme];
    return reply !== undefined && dialect.accepts(reply);
  })?.scheme;
}

/**
 * A dialect's probe as a protocol, so the executor can send it like any request: `parse` succeeds only on
 * a reply this dialect accepts (with the probe text's count, zero for Ollama's version probe) and
 * otherwise throws a ProtocolError, which the executor does not retry.
 */
export function dialectProbeProtocol(
  dialect: TokenizeDialect,
  read: Protocol['parse'] | undefined = PARSERS[dialect.scheme],
): Protocol {
  return {
    scheme: `${dialect.scheme}-probe`,
    authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
    call: (_request, options) => dialect.probe(options),
    parse(reply: HttpReply): Omit<TargetResponse, 'latencyMs' | 'raw'> {
      if (!dialect.accepts(reply)) throw new ProtocolError(`not a ${dialect.scheme} reply`);
      const parsed = read ? read(reply, PROBE) : { usage: { promptTokens: 0 } };
      return { ...parsed, metadata: { ...parsed.metadata, dialect: dialect.scheme } };
    },
  };
}

const PARSERS: Partial<Record<TokenizeDialect['scheme'], Protocol['parse']>> = {
  vllm: vllm.parse,
  sglang: sglang.parse,
  llamacpp: llamacpp.parse,
  tgi: tgi.parse,
};
