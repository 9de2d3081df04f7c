import type { Tokenizer } from '../../src/references/tokenizer.js';
import { eventTexts, instructedReply, modelAnswer } from './answer-text.js';
import { startJsonServer, type JsonServer, type ReceivedRequest, type ServerAnswer } from './generic-json-server.js';

/**
 * A loopback stand-in for the Anthropic Messages API as its documentation describes it: `POST /v1/messages` and
 * `POST /v1/messages/count_tokens` with the `x-api-key`, `anthropic-version` and `content-type: application/json`
 * headers, its field names, validation, event stream and error shapes, with counts from a real tokenizer over a
 * Human/Assistant layout of the conversation and answers in that tokenizer's tokens.
 */
export interface AnthropicServerOptions {
  tokenizer: Tokenizer;
  /** The key the server takes; unset, it takes any key (one is still required), so only the client can tell keys apart. */
  apiKey?: string;
  /** Cache the system prompt as a product with a cache breakpoint on it would: the first request writes it, later ones read it. */
  cacheSystemPrompt?: boolean;
  /** The model's answer to every message (default ANTHROPIC_FIXED_REPLY). */
  reply?: string;
  /** The model does as asked instead (see instructedReply): says back a text it is asked to repeat. */
  followsInstructions?: boolean;
  /** Tokens per `text_delta` event (default 2). */
  tokensPerDelta?: number;
  /** count_tokens is documented as an estimate: this is added to its count (default 0). */
  countTokensSkew?: number;
  /** Answer as a gateway that strips `usage` from messages and stream events would. */
  withoutUsage?: boolean;
}

export interface TurnText {
  role: string;
  text: string;
}

export function renderForCounting(system: string | undefined, turns: readonly TurnText[]): string {
  return `${(system ?? '') + turns.map((t) => `\n\n${t.role === 'user' ? 'Human' : 'Assistant'}: ${t.text}`).join('')}\n\nAssistant:`;
}

export const ANTHROPIC_FIXED_REPLY = 'OK. I have read your message and here is my answer.';

export async function startAnthropicServer(options: AnthropicServerOptions): Promise<JsonServer> {
  const { tokenizer } = options;
  const cachedSystems = new Set<string>();
  return startJsonServer((request) => {
    const refused = checkHeaders(request, options.apiKey);
    if (refused) return refused;
    if (
      request.method !== 'POST' ||
      (request.path !== '/v1/messages' && request.path !== '/v1/messages/count_tokens')
    ) {
      return error(404, 'not_found_error', `Not found: ${request.method} ${request.path}`);
    }
    const body = request.json;
    if (!isObject(body)) return error(400, 'invalid_request_error', 'The request body is not valid JSON.');
    const counting = request.path.endsWith('/count_tokens');
    const read = readConversation(body, counting);
    if (typeof read === 'string') return error(400, 'invalid_request_error', read);
    const promptTokens = tokenizer.encode(renderForCounting(read.system, read.turns)).length;
    if (counting) return { status: 200, json: { input_tokens: promptTokens + (options.countTokensSkew ?? 0) } };

    let cacheRead = 0;
    let cacheCreation = 0;
    if (options.cacheSystemPrompt && read.system) {
      const systemTokens = tokenizer.encode(read.system).length;
      if (cachedSystems.has(read.system)) cacheRead = systemTokens;
      else cacheCreation = systemTokens;
      cachedSystems.add(read.system);
    }
    const usage = {
      input_tokens: promptTokens - cacheRead - cacheCreation,
      cache_creation_input_tokens: cacheCreation,
      cache_read_input_tokens: cacheRead,
    };
    const said = options.followsInstructions
      ? instructedReply(read.turns.at(-1)?.text ?? '')
      : (options.reply ?? ANTHROPIC_FIXED_REPLY);
    const answer = modelAnswer(tokenizer, said, body.max_tokens as number);
    const stopReason = answer.cut ? 'max_tokens' : 'end_turn';
    const message = {
      id: 'msg_loopback01',
      type: 'message',
      role: 'assistant',
      model: body.model,
      stop_sequence: null,
    };
    if (body.stream !== true) {
      return {
        status: 200,
        json: {
          ...message,
          content: [{ type: 'text', text: answer.text }],
          stop_reason: stopReason,
          ...(!options.withoutUsage && { usage: { ...usage, output_tokens: answer.ids.length } }),
        },
      };
    }
    // The real API batches text too, so events are not token edges.
    const deltas = eventTexts(tokenizer, answer, options.tokensPerDelta ?? 2).filter((text) => text !== '');
    return {
      status: 200,
      events: [
        {
          event: 'message_start',
          data: {
            type: 'message_start',
            message: {
              ...message,
              content: [],
              stop_reason: null,
              ...(!options.withoutUsage && { usage: { ...usage, output_tokens: 1 } }),
            },
          },
        },
        {
          event: 'content_block_start',
          data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        },
        { event: 'ping', data: { type: 'ping' } },
        ...deltas.map((delta) => ({
          event: 'content_block_delta',
          data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: delta } },
        })),
        { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
        {
          event: 'message_delta',
          data: {
            type: 'message_delta',
            delta: { stop_reason: stopReason, stop_sequence: null },
            ...(!options.withoutUsage && { usage: { output_tokens: answer.ids.length } }),
          },
        },
        { event: 'message_stop', data: { type: 'message_stop' } },
      ],
    };
  });
}

function checkHeaders(request: ReceivedRequest, apiKey: string | undefined): ServerAnswer | undefined {
  const key = request.headers['x-api-key'];
  if (key === undefined) return error(401, 'authentication_error', 'x-api-key header is required');
  if (apiKey !== undefined && key !== apiKey) return error(401, 'authentication_error', 'invalid x-api-key');
  if (request.headers['anthropic-version'] === undefined)
    return error(400, 'invalid_request_error', 'anthropic-version: header is required');
  if (request.method === 'POST' && !(request.headers['content-type'] ?? '').startsWith('application/json'))
    return error(400, 'invalid_request_error', 'content-type: application/json is required');
  return undefined;
}

function readConversation(
  body: Record<string, unknown>,
  counting: boolean,
): { system?: string; turns: TurnText[] } | string {
  if (typeof body.model !== 'string') return 'model: Field required';
  if (!counting && typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!counting && (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1))
    return 'max_tokens: Input should be greater than or equal to 1';
  if (
    !counting &&
    body.temperature !== undefined &&
    !(typeof body.temperature === 'number' && body.temperature >= 0 && body.temperature <= 1)
  )
    return 'temperature: Input should be less than or equal to 1';
  if (!counting && body.stream !== undefined && typeof body.stream !== 'boolean')
    return 'stream: Input should be a valid boolean';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: Field required';
  const turns: TurnText[] = [];
  for (const [i, message] of body.messages.entries()) {
    if (!isObject(message)) return `messages.${i}: Input should be a valid dictionary`;
    if (message.role === 'system') {
      return `messages.${i}.role: Unexpected role "system". The Messages API accepts a top-level \`system\` parameter, not "system" as an input message role.`;
    }
    if (message.role !== 'user' && message.role !== 'assistant')
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const text = blocksText(message.content);
    if (text === undefined) return `messages.${i}.content: Input should be a valid string or list of content blocks`;
    turns.push({ role: message.role, text });
  }
  if (turns[0].role !== 'user') return 'messages: first message must use the "user" role';
  if (body.system === undefined) return { turns };
  const system = blocksText(body.system);
  if (system === undefined) return 'system: Input should be a valid string or list of text blocks';
  return { system, turns };
}

function blocksText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.map((block) =>
    isObject(block) && block.type === 'text' && typeof block.text === 'string' ? block.text : undefined,
  );
  return texts.every((t) => t !== undefined) ? texts.join('') : undefined;
}

function error(status: number, type: string, message: string): ServerAnswer {
  return { status, json: { type: 'error', error: { type, message } } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
