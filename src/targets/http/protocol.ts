import { UserError } from '../../util/errors.js';
import type { TargetOffers, TargetRequest, TargetResponse } from '../target.js';

/**
 * The contract between an API's protocol (pure: how a request looks on the wire and how its answer
 * reads) and the one HTTP executor that sends it (transport, retries, rate limits, caching, the
 * transcript, keeping credentials out of records). A protocol never does I/O.
 */
export interface HttpCall {
  method: 'GET' | 'POST';
  /** Path relative to the target's base URL, e.g. `chat/completions` or `v1/messages/count_tokens`. */
  path: string;
  query?: Record<string, string>;
  /** Headers other than credentials; the executor adds those from `Protocol.authHeaders`. */
  headers?: Record<string, string>;
  body?: unknown;
  /** The answer is a server-sent-event stream. */
  stream?: boolean;
}

export interface ServerSentEvent {
  event?: string;
  data: string;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  /** The body as text; `json` when it parsed. */
  text: string;
  json?: unknown;
  /** For streamed answers, every event in order; `complete` is false when the stream broke off. */
  events?: ServerSentEvent[];
  complete?: boolean;
}

/** What an API-specific part of a target needs to know besides the request. */
/** The `--model` name, as the user gave it; checked once, when the target is made (see createHttpTarget). */
export type ModelName = string;

export interface ProtocolOptions {
  model?: ModelName;
  /** Ask for a streamed answer even when the request does not (`--stream`). */
  stream?: boolean;
  /** Ask for this many top logprobs per output token even when the request does not (`--logprobs N`). */
  topLogprobs?: number;
  /** Ask for vLLM's `prompt_logprobs` when a request wants the prompt's tokens. */
  promptLogprobs?: boolean;
}

/**
 * The model of a scheme that needs one. A target made from the command line was refused without `--model`
 * when it was made (createHttpTarget); this guards a protocol used on its own, with the same words.
 */
export function givenModel(scheme: string, options: ProtocolOptions): ModelName {
  if (!options.model) throw new UserError(`${scheme}: give the model name with --model`);
  return options.model;
}

export interface Protocol {
  /** The target scheme, e.g. `openai`, `anthropic`, `gemini`, `vllm-tokenize`. */
  readonly scheme: string;
  /** How this API takes a key; the executor redacts these header names everywhere it records. */
  authHeaders(apiKey: string): Record<string, string>;
  /** The conventional environment variable holding the key, e.g. `OPENAI_API_KEY`. */
  readonly keyEnv?: string;
  /** What the API can return at all, as its documentation says, with these options; absent when only answers tell. */
  offers?(options: ProtocolOptions): TargetOffers;
  /** How this protocol counts, for the target's description (e.g. which endpoint, and whether it is an estimate). */
  readonly counting?: string;
  /** The wire call that answers one target request. */
  call(request: TargetRequest, options: ProtocolOptions): HttpCall;
  /**
   * Reads a successful reply into the normalised response. Throws a `ProtocolError` when the reply
   * does not have the shape the API documents (the executor records it and does not retry it).
   */
  parse(reply: HttpReply, request: TargetRequest): Omit<TargetResponse, 'latencyMs' | 'raw'>;
}

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * The reply broke off before the API's own end marker (e.g. a stream without its final usage chunk):
 * the answer is lost, so the executor treats it as a failed attempt and retries it.
 */
export class TruncatedReplyError extends ProtocolError {
  constructor(message: string) {
    super(message);
    this.name = 'TruncatedReplyError';
  }
}

/** An API that only counts: billed or tokenized prompt counts, no answer to stream or give logprobs for. */
export const COUNTS_ONLY: TargetOffers = { usage: true, chunks: false, logprobs: false, promptTokens: false };
/** A tokenize endpoint: prompt counts (and, for most dialects, the prompt's tokens) and no answers at all. */
export const TOKENIZE_ONLY: TargetOffers = { ...COUNTS_ONLY, answers: false };

/**
 * Whether a request asks for more than a prompt count: a longer answer, its chunks or logprobs, or a follow-up
 * whose answer a channel reads. Such a request needs an API's generation endpoint, never a count endpoint.
 */
export function readsAnswer(request: TargetRequest, options: ProtocolOptions): boolean {
  return (
    (request.maxOutputTokens ?? 1) > 1 ||
    request.wantChunks === true ||
    request.wantLogprobs === true ||
    request.followUpOf !== undefined ||
    options.stream === true ||
    (options.topLogprobs ?? 0) > 0
  );
}
