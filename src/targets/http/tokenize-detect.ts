import type { TargetRequest } from '../target.js';
import type { HttpTarget } from './executor.js';
import { llamacppTokenizeProtocol } from './llamacpp-tokenize.js';
import type { HttpReply, Protocol, ProtocolOptions } from './protocol.js';
import { tgiTokenizeProtocol } from './tgi-tokenize.js';
import { TOKENIZE_DIALECTS, type TokenizeDialect } from './tokenize-dialects.js';
import { sglangTokenizeProtocol, vllmTokenizeCall, vllmTokenizeProtocol, type TokenizeInput } from './vllm-tokenize.js';

/** A tokenize endpoint found on the server: where it is, how it counts, and the protocol that reads it. */
export interface TokenizeChannel {
  dialect: TokenizeDialect['scheme'];
  /** The base URL its `tokenize` path resolves against. */
  baseUrl: string;
  /** vLLM only: whether prompts are counted as messages through the server's chat template. */
  input?: TokenizeInput;
  protocol: Protocol;
}

/** Probes are free and only a shortcut: a slow or broken server is not worth waiting for. */
export const PROBE_TIMEOUT_MS = 5_000;

/**
 * A tokenize answer to a probe is a few hundred bytes; a server that answers every path with a stream or a page
 * is cut here, not read to the target's cap on each probe and each base.
 */
export const PROBE_MAX_BYTES = 64 * 1024;

/** No tokenize route at this base URL. */
const ABSENT = new Set([404, 405]);

const MESSAGES_PROBE: TargetRequest = { messages: [{ role: 'user', content: 'Hello world' }] };

/**
 * Where a tokenize endpoint may be: the server root (vLLM, SGLang, llama.cpp and TGI serve `/tokenize` there,
 * beside `/v1`), then the configured base URL when it differs.
 */
export function probeBases(baseUrl: string): string[] {
  const url = new URL(baseUrl);
  // the base URL's query (a key, an API version) goes with every probe
  const root = `${url.origin}/${url.search}`;
  const base = `${url.origin}${url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`}${url.search}`;
  return base === root ? [root] : [root, base];
}

/**
 * Sends each free dialect's probe to each candidate base URL, once, with a short timeout and no retries,
 * and returns the first endpoint that answers in a known dialect. A 404, 405 or no answer at all means
 * there is no tokenize route at that base, so its other probes are skipped.
 */
export async function detectTokenizeChannel(
  target: Pick<HttpTarget, 'exchange'>,
  baseUrl: string,
  options: ProtocolOptions,
): Promise<TokenizeChannel | undefined> {
  const send = async (reply: Promise<HttpReply>) => reply.catch(() => undefined);
  for (const base of probeBases(baseUrl)) {
    for (const dialect of TOKENIZE_DIALECTS.filter((d) => d.free)) {
      const reply = await send(
        target.exchange(dialect.probe(options), {
          baseUrl: base,
          timeoutMs: PROBE_TIMEOUT_MS,
          retries: 0,
          maxBytes: PROBE_MAX_BYTES,
        }),
      );
      // no answer, no route, or an answer cut short: nothing at this base speaks a tokenize dialect
      if (!reply || ABSENT.has(reply.status) || reply.complete === false) break;
      if (!dialect.accepts(reply)) continue;
      if (dialect.scheme !== 'vllm')
        return {
          dialect: dialect.scheme,
          baseUrl: base,
          protocol: DIALECT_PROTOCOLS[dialect.scheme as keyof typeof DIALECT_PROTOCOLS](),
        };
      // The chat template keeps each count equal to what chat completions would bill; a model without one
      // refuses messages, and the joined text differs from that only by a per-message constant.
      const templated = await send(
        target.exchange(vllmTokenizeCall(MESSAGES_PROBE, options, 'messages'), {
          baseUrl: base,
          timeoutMs: PROBE_TIMEOUT_MS,
          retries: 0,
          maxBytes: PROBE_MAX_BYTES,
        }),
      );
      const input: TokenizeInput = templated && dialect.accepts(templated) ? 'messages' : 'prompt';
      return { dialect: 'vllm', baseUrl: base, input, protocol: vllmTokenizeProtocol({ input }) };
    }
  }
  return undefined;
}

const DIALECT_PROTOCOLS: Record<Exclude<TokenizeDialect['scheme'], 'vllm' | 'ollama'>, () => Protocol> = {
  sglang: sglangTokenizeProtocol,
  llamacpp: () => llamacppTokenizeProtocol(),
  tgi: tgiTokenizeProtocol,
};

/** How a run names the channel, e.g. `tokenize (vllm)`. */
export function channelName(channel: TokenizeChannel | undefined): string {
  if (!channel) return 'chat completions usage';
  return `tokenize (${channel.dialect})`;
}
