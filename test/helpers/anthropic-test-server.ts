import type { Tokenizer } from '../../src/references/tokenizer.js';
import { startJsonServer, type JsonServer, type ReceivedRequest, type ServerAnswer } from './generic-json-server.js';

/**
 * A loopback stand-in for the Anthropic Messages API: its paths, headers, field names and error shapes,
 * with counts from a real tokenizer over a Human/Assistant layout of the conversation.
 */
export interface AnthropicServerOptions {
  tokenizer: Tokenizer;
  /** The key the server takes; unset, it takes any key (one is still required), so only the client can tell keys apart. */
  apiKey?: string;
  /** Cache the system prompt as a product with a cache breakpoint on it would: the first request writes it, later ones read it. */
  cacheSystemPrompt?: boolean;
  reply?: string;
}

export interface TurnText {
  role: string;
  text: string;
}

export function renderForCounting(system: string | undefined, turns: readonly TurnText[]): string {
  return `${(system ?? '') + turns.map((t) => `\n\n${t.role === 'user' ? 'Human' : 'Assistant'}: ${t.text}`).join('')}\n\nAssistant:`;
}

export async function startAnthropicServer(options: AnthropicServerOptions): Promise<JsonServer> {
  const { tokenizer } = options;
  const cachedSystems = new Set<string>();
  const replyText = options.reply ?? 'OK. I have read your message and here is my answer.';
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
    if (counting) return { status: 200, json: { input_tokens: promptTokens } };

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
    const out = tokenizer.encode(replyText).slice(0, body.max_tokens as number);
    const pieces = out.map((id) => tokenizer.tokenBytes(id) ?? new Uint8Array());
    const text = decode(pieces);
    const stopReason = out.length < tokenizer.encode(replyText).length ? 'max_tokens' : 'end_turn';
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
          content: [{ type: 'text', text }],
          stop_reason: stopReason,
          usage: { ...usage, output_tokens: out.length },
        },
      };
    }
    // Two tokens per text_delta: the real API batches text too, so events are not token edges.
    const deltas: string[] = [];
    for (let i = 0; i < pieces.length; i += 2) deltas.push(decode(pieces.slice(i, i + 2)));
    return {
      status: 200,
      events: [
        {
          event: 'message_start',
          data: {
            type: 'message_start',
            message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
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
            usage: { output_tokens: out.length },
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

function decode(pieces: readonly Uint8Array[]): string {
  return new TextDecoder().decode(Buffer.concat(pieces.map((p) => Buffer.from(p))));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
