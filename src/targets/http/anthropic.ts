import type { TargetRequest, TargetResponse } from '../target.js';
import {
  givenModel,
  ProtocolError,
  readsAnswer,
  TruncatedReplyError,
  type HttpCall,
  type HttpReply,
  type Protocol,
  type ProtocolOptions,
} from './protocol.js';
import { readSettings } from './protocol-settings.js';
import {
  conversation,
  countField,
  eventJson,
  isObject,
  objectField,
  optionalCountField,
  replyObject,
  systemText,
  type JsonObject,
} from './reply-fields.js';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * `messages` reads the billed `usage.input_tokens` of a one-token reply; `count_tokens` is free, but its
 * documentation calls its count an estimate that may differ from the billed one by a small amount.
 */
export type AnthropicCountWay = 'count_tokens' | 'messages';

export interface AnthropicSettings {
  count?: AnthropicCountWay;
}

type Parsed = Omit<TargetResponse, 'latencyMs' | 'raw'>;

/** The API takes a temperature from 0 to 1. */
const MAX_TEMPERATURE = 1;

/**
 * The Anthropic Messages API. The system prompt goes in the top-level `system` field, since the API
 * refuses a `system` role among the messages. It has no logprobs, so `wantLogprobs` is not honoured.
 */
export function anthropicProtocol(settings: AnthropicSettings = {}): Protocol & { baseUrl: string } {
  const way = settings.count ?? 'messages';
  return {
    scheme: 'anthropic',
    keyEnv: 'ANTHROPIC_API_KEY',
    baseUrl: ANTHROPIC_BASE_URL,
    counting:
      way === 'count_tokens'
        ? 'prompts counted by count_tokens (an estimate, which may differ from billed usage)'
        : 'prompts counted by billed usage of messages',
    offers: () => ({ usage: true, chunks: true, logprobs: false, promptTokens: false }),
    authHeaders: (apiKey) => ({ 'x-api-key': apiKey }),
    call(request: TargetRequest, options: ProtocolOptions): HttpCall {
      const model = givenModel('anthropic', options);
      const system = systemText(request.messages);
      const messages = conversation(request.messages).map((m) => ({ role: m.role, content: m.content }));
      const headers = { 'anthropic-version': ANTHROPIC_VERSION, 'content-type': 'application/json' };
      if (way === 'count_tokens' && !readsAnswer(request, options)) {
        return {
          method: 'POST',
          path: 'v1/messages/count_tokens',
          headers,
          body: { model, messages, ...(system !== undefined && { system }) },
        };
      }
      const stream = request.wantChunks === true || options.stream === true;
      return {
        method: 'POST',
        path: 'v1/messages',
        headers,
        body: {
          model,
          max_tokens: request.maxOutputTokens ?? 1,
          messages,
          ...(system !== undefined && { system }),
          ...(request.temperature !== undefined && {
            temperature: Math.min(Math.max(request.temperature, 0), MAX_TEMPERATURE),
          }),
          ...(stream && { stream: true }),
        },
        ...(stream && { stream: true }),
      };
    },
    // Read by the reply's shape: the options that chose the endpoint are not passed to parse.
    parse(reply: HttpReply): Parsed {
      if (reply.events) return parseStream(reply);
      const body = replyObject(reply, 'anthropic');
      if (body.type === undefined && 'input_tokens' in body)
        return { usage: { promptTokens: countField(body, 'input_tokens', 'anthropic count_tokens') } };
      return parseMessage(body);
    },
  };
}

export function anthropicSettings(given: Readonly<Record<string, string>> | undefined): AnthropicSettings {
  return readSettings('anthropic', given, { count: ['count_tokens', 'messages'] }) as AnthropicSettings;
}

function parseMessage(message: JsonObject): Parsed {
  if (message.type !== 'message')
    throw new ProtocolError(`anthropic: expected a message, got type ${JSON.stringify(message.type)}`);
  // Proxies and gateways may strip usage; the run then reads the tokens the answer shows.
  const usage =
    message.usage === undefined
      ? undefined
      : usageOf(objectField(message, 'usage', 'anthropic message'), 'anthropic message.usage');
  const content = Array.isArray(message.content) ? message.content : [];
  const text = content
    .filter((block): block is JsonObject => isObject(block) && block.type === 'text' && typeof block.text === 'string')
    .map((block) => block.text as string)
    .join('');
  return {
    ...(usage && { usage: usage.tokens }),
    text,
    metadata: { ...metadataOf(message), ...usage?.metadata },
  };
}

/**
 * A Messages stream: `message_start` carries the input usage, `content_block_delta`/`text_delta` the text
 * (several tokens per event, so chunk edges bound token edges only from above), `message_delta` the final
 * output count.
 */
function parseStream(reply: HttpReply): Parsed {
  let start: JsonObject | undefined;
  let finalUsage: JsonObject | undefined;
  let stopReason: unknown;
  let stopped = false;
  const chunks: string[] = [];
  for (const event of reply.events ?? []) {
    if (event.event === 'ping' || event.data === '') continue;
    const data = eventJson(event.data, 'anthropic');
    switch (data.type) {
      case 'message_start':
        start = objectField(data, 'message', 'anthropic message_start');
        break;
      case 'content_block_delta': {
        const delta = objectField(data, 'delta', 'anthropic content_block_delta');
        if (delta.type === 'text_delta') {
          if (typeof delta.text !== 'string') throw new ProtocolError('anthropic: a text_delta has no text');
          chunks.push(delta.text);
        }
        break;
      }
      case 'message_delta':
        if (data.usage !== undefined) finalUsage = objectField(data, 'usage', 'anthropic message_delta');
        stopReason = isObject(data.delta) ? data.delta.stop_reason : undefined;
        break;
      case 'message_stop':
        stopped = true;
        break;
      case 'error': {
        const error = isObject(data.error) ? data.error : {};
        throw new ProtocolError(
          `anthropic: the stream reported ${String(error.type ?? 'an error')}: ${String(error.message ?? '')}`,
        );
      }
    }
  }
  if (!start) throw new ProtocolError('anthropic: the stream has no message_start event');
  // Without message_stop the text and output count are partial; a partial answer must not be kept.
  if (!stopped || reply.complete === false)
    throw new TruncatedReplyError('anthropic: the stream broke off before message_stop');
  // message_delta's usage is cumulative and, where it repeats the input fields, the more recent.
  const merged = {
    ...(start.usage === undefined ? {} : objectField(start, 'usage', 'anthropic message_start.message')),
    ...(finalUsage ?? {}),
  };
  // Without input_tokens anywhere (a proxy that strips usage) the answer carries no usage at all.
  const usage = merged.input_tokens === undefined ? undefined : usageOf(merged, 'anthropic stream usage');
  return {
    ...(usage && { usage: usage.tokens }),
    text: chunks.join(''),
    chunks,
    metadata: { ...metadataOf(start), ...usage?.metadata, stopReason: stopReason ?? null },
  };
}

/** `input_tokens` leaves out tokens written to or read from the prompt cache; the prompt is all three. */
function usageOf(usage: JsonObject, where: string) {
  const input = countField(usage, 'input_tokens', where);
  const output = countField(usage, 'output_tokens', where);
  const cacheCreation = optionalCountField(usage, 'cache_creation_input_tokens', where) ?? 0;
  const cacheRead = optionalCountField(usage, 'cache_read_input_tokens', where) ?? 0;
  const promptTokens = input + cacheCreation + cacheRead;
  return {
    tokens: {
      promptTokens,
      completionTokens: output,
      totalTokens: promptTokens + output,
      ...(cacheRead > 0 && { cachedTokens: cacheRead }),
    },
    metadata: { uncachedInputTokens: input, cacheCreationInputTokens: cacheCreation, cacheReadInputTokens: cacheRead },
  };
}

function metadataOf(message: JsonObject): Record<string, unknown> {
  return {
    model: message.model,
    id: message.id,
    ...(message.stop_reason !== undefined && { stopReason: message.stop_reason }),
  };
}
