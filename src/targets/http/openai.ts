import type { LogprobToken, PromptTokens, TargetRequest, TokenUsage } from '../target.js';
import { promptTokensFromCodePointStarts, promptTokensFromPieces } from './prompt-pieces.js';
import { countField, isObject, optionalCountField, replyObject, type JsonObject } from './reply-fields.js';
import {
  givenModel,
  ProtocolError,
  TruncatedReplyError,
  type HttpCall,
  type HttpReply,
  type Protocol,
  type ProtocolOptions,
} from './protocol.js';

/**
 * OpenAI-compatible Chat Completions (also vLLM, SGLang, llama.cpp's server, Ollama's /v1 and the
 * hosted OpenAI-compatible APIs): billed `usage`, streamed chunks with the usage in the final chunk,
 * and logprob tokens with their bytes.
 */
export const openaiChatProtocol: Protocol = {
  scheme: 'openai',
  keyEnv: 'OPENAI_API_KEY',
  // The prompt's own tokens only where vLLM's prompt_logprobs are asked for (a tokenize endpoint found adds them too).
  offers: (options) => ({ usage: true, chunks: true, logprobs: true, promptTokens: options.promptLogprobs === true }),
  authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
  call(request, options): HttpCall {
    const stream = Boolean(request.wantChunks || options.stream);
    const topLogprobs = logprobCount(request, options);
    const body: Record<string, unknown> = {
      model: givenModel('openai', options),
      messages: request.messages,
      max_tokens: request.maxOutputTokens ?? 1,
      temperature: request.temperature ?? 0,
    };
    if (request.seed !== undefined) body.seed = request.seed;
    if (stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
    if (topLogprobs !== undefined) Object.assign(body, { logprobs: true, top_logprobs: topLogprobs });
    // Zero alternatives: each position then lists the prompt token alone, which says which token it was.
    if (request.wantPromptTokens && options.promptLogprobs) body.prompt_logprobs = 0;
    return { method: 'POST', path: 'chat/completions', headers: { 'content-type': 'application/json' }, body, stream };
  },
  parse(reply) {
    return reply.events ? parseChatStream(reply) : parseChatJson(reply);
  },
};

/**
 * Legacy Completions with `echo` and `logprobs`: the prompt comes back cut into the server's own
 * tokens, with no chat template around it, so the prompt count is exact.
 */
export const openaiCompletionsProtocol: Protocol = {
  scheme: 'openai-completions',
  keyEnv: 'OPENAI_API_KEY',
  // The echoed prompt's tokens and their logprobs; the answer is neither streamed nor read token by token.
  offers: () => ({ usage: true, chunks: false, logprobs: false, promptTokens: true }),
  authHeaders: openaiChatProtocol.authHeaders,
  call(request, options): HttpCall {
    const body = {
      model: givenModel('openai', options),
      prompt: completionsPrompt(request),
      max_tokens: request.maxOutputTokens ?? 1,
      temperature: 0,
      echo: true,
      logprobs: Math.min(logprobCount(request, options) ?? 0, 5),
    };
    return { method: 'POST', path: 'completions', headers: { 'content-type': 'application/json' }, body };
  },
  parse(reply, request) {
    const json = replyObject(reply, 'openai');
    const choice = firstChoice(json);
    const logprobs = choice?.logprobs as
      | { tokens?: unknown; token_logprobs?: unknown; text_offset?: unknown }
      | undefined;
    const tokens = Array.isArray(logprobs?.tokens)
      ? (logprobs!.tokens as unknown[]).filter((t): t is string => typeof t === 'string')
      : undefined;
    const usage = json.usage ? readUsage(json.usage) : undefined;
    if (!usage && !tokens) throw new ProtocolError('completions reply has neither usage nor echoed logprob tokens');
    const completion = usage?.completionTokens ?? 0;
    const promptTokens = usage?.promptTokens ?? tokens!.length - completion;
    const values = Array.isArray(logprobs?.token_logprobs) ? (logprobs!.token_logprobs as unknown[]) : [];
    const logprobTokens = tokens?.slice(0, promptTokens).map((token, i) => withLogprob({ token }, values[i]));
    const echoed =
      tokens &&
      echoedPrompt(
        completionsPrompt(request),
        stringOr(choice?.text),
        tokens.slice(0, promptTokens),
        logprobs?.text_offset,
      );
    return {
      usage: usage ?? { promptTokens },
      text: stringOr(choice?.text),
      logprobTokens,
      ...(echoed && { promptTokens: echoed }),
      metadata: replyMetadata(json),
    };
  },
};

function completionsPrompt(request: TargetRequest): string {
  return request.messages.map((m) => m.content).join('\n\n');
}

/**
 * The echoed prompt's tokens: `text_offset` gives where each starts in the echoed text (in code points);
 * without it the token strings themselves are joined, when they spell the prompt.
 */
function echoedPrompt(
  prompt: string,
  text: string | undefined,
  tokens: readonly string[],
  offsets: unknown,
): PromptTokens | undefined {
  if (text === undefined || !text.startsWith(prompt)) return undefined;
  if (Array.isArray(offsets) && offsets.length >= tokens.length && offsets.every((o) => Number.isInteger(o))) {
    const points = [...prompt];
    const starts = [...(offsets as number[]).slice(0, tokens.length), points.length];
    // A token shown as something other than its span (OpenAI's `bytes:\xe6` for part of a character) does not say where it starts or ends.
    const whole = tokens.map((token, i) => points.slice(starts[i], starts[i + 1]).join('') === token);
    return promptTokensFromCodePointStarts(
      'echo',
      prompt,
      starts.slice(1, -1).filter((_, i) => whole[i] && whole[i + 1]),
    );
  }
  const joined = promptTokensFromPieces(
    'echo',
    tokens.map((t) => new TextEncoder().encode(t)),
  );
  return joined && joined.text === prompt ? joined : undefined;
}

function logprobCount(request: TargetRequest, options: ProtocolOptions): number | undefined {
  if (options.topLogprobs !== undefined) return options.topLogprobs;
  return request.wantLogprobs ? 0 : undefined;
}

type Json = JsonObject;

function firstChoice(json: Json): Json | undefined {
  return Array.isArray(json.choices) ? (json.choices[0] as Json | undefined) : undefined;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function readUsage(value: unknown): TokenUsage {
  if (!isObject(value) || value.prompt_tokens === undefined) throw new ProtocolError('usage has no prompt_tokens');
  const usage = value;
  const details = usage.prompt_tokens_details as Json | undefined;
  return {
    promptTokens: countField(usage, 'prompt_tokens', 'usage'),
    completionTokens: optionalCountField(usage, 'completion_tokens', 'usage'),
    totalTokens: typeof usage.total_tokens === 'number' ? usage.total_tokens : undefined,
    cachedTokens: typeof details?.cached_tokens === 'number' ? details.cached_tokens : undefined,
  };
}

function withLogprob(token: LogprobToken, logprob: unknown): LogprobToken {
  return typeof logprob === 'number' ? { ...token, logprob } : token;
}

/** `choices[].logprobs.content[]` entries: `{token, logprob, bytes}`; `bytes` may be null. */
function readLogprobContent(choice: Json | undefined): LogprobToken[] {
  const content = (choice?.logprobs as Json | undefined)?.content;
  if (!Array.isArray(content)) return [];
  return content.flatMap((entry: Json) => {
    if (typeof entry?.token !== 'string') return [];
    const token: LogprobToken = { token: entry.token };
    if (entry.bytes != null) token.bytes = byteValues(entry.bytes);
    const alternatives = readAlternatives(entry.top_logprobs);
    if (alternatives.length) token.alternatives = alternatives;
    return [withLogprob(token, entry.logprob)];
  });
}

/** A token's bytes as byte values; anything else would be read modulo 256 and score a token never sent. */
function byteValues(value: unknown): number[] {
  if (
    !Array.isArray(value) ||
    value.length > MAX_TOKEN_BYTES ||
    !value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)
  )
    throw new ProtocolError(
      `logprobs bytes should be a list of at most ${MAX_TOKEN_BYTES} byte values (0-255), got ${JSON.stringify(value).slice(0, 80)}`,
    );
  return value as number[];
}

// Generous: the longest vocabulary entries of real tokenizers are a few hundred bytes.
const MAX_TOKEN_BYTES = 4096;

function readAlternatives(value: unknown): LogprobToken[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: Json) => {
    if (typeof entry?.token !== 'string') return [];
    const token: LogprobToken = { token: entry.token };
    if (entry.bytes != null) token.bytes = byteValues(entry.bytes);
    return [withLogprob(token, entry.logprob)];
  });
}

/**
 * vLLM's `prompt_logprobs`: per prompt token (the first is null: nothing precedes it) a map from token id
 * to `{logprob, rank, decoded_token}` holding the prompt token and any top alternatives. Only positions
 * with the prompt token alone say which token it was, so any other shape is not read.
 */
function readPromptLogprobs(value: unknown): PromptTokens | undefined {
  if (!Array.isArray(value) || value.length < 2) return undefined;
  const texts: string[] = [];
  for (const position of value.slice(1)) {
    const entries = position && typeof position === 'object' ? Object.values(position as Json) : [];
    const decoded = (entries[0] as Json | undefined)?.decoded_token;
    if (entries.length !== 1 || typeof decoded !== 'string') return undefined;
    texts.push(decoded);
  }
  return promptTokensFromPieces(
    'prompt_logprobs',
    texts.map((t) => new TextEncoder().encode(t)),
  );
}

function replyMetadata(json: Json): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  for (const key of ['id', 'model', 'system_fingerprint'])
    if (json[key] !== undefined && json[key] !== null) metadata[key] = json[key];
  return metadata;
}

function parseChatJson(reply: HttpReply) {
  const json = replyObject(reply, 'openai');
  const choice = firstChoice(json);
  const logprobTokens = readLogprobContent(choice);
  const promptTokens = readPromptLogprobs(json.prompt_logprobs);
  return {
    // some gateways and proxies send none: the run then reads what the answers show
    ...(json.usage ? { usage: readUsage(json.usage) } : {}),
    text: stringOr((choice?.message as Json | undefined)?.content),
    logprobTokens: logprobTokens.length ? logprobTokens : undefined,
    ...(promptTokens && { promptTokens }),
    metadata: replyMetadata(json),
  };
}

function parseChatStream(reply: HttpReply) {
  const chunks: string[] = [];
  const logprobTokens: LogprobToken[] = [];
  let usage: TokenUsage | undefined;
  let done = false;
  let metadata: Record<string, unknown> = {};
  for (const event of reply.events ?? []) {
    if (event.data.trim() === '[DONE]') {
      done = true;
      continue;
    }
    let chunk: Json;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      throw new TruncatedReplyError(`stream event is not JSON: ${event.data.slice(0, 80)}`);
    }
    if ((chunk as { error?: unknown }).error)
      throw new ProtocolError(`stream reported an error: ${JSON.stringify(chunk.error).slice(0, 200)}`);
    const choice = firstChoice(chunk);
    const content = (choice?.delta as Json | undefined)?.content;
    if (typeof content === 'string' && content) chunks.push(content);
    logprobTokens.push(...readLogprobContent(choice));
    if (chunk.usage) usage = readUsage(chunk.usage);
    metadata = { ...metadata, ...replyMetadata(chunk) };
  }
  if (!done && reply.complete === false) throw new TruncatedReplyError('stream broke off before its end');
  if (!usage && !done) throw new TruncatedReplyError('stream broke off before its final usage chunk');
  return {
    // a server that ignores stream_options.include_usage sends none: the run then reads the chunks
    ...(usage ? { usage } : {}),
    text: chunks.join(''),
    chunks,
    logprobTokens: logprobTokens.length ? logprobTokens : undefined,
    metadata,
  };
}
