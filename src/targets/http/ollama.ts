import type { TargetRequest, TargetResponse } from '../target.js';
import {
  COUNTS_ONLY,
  givenModel,
  ProtocolError,
  type HttpCall,
  type HttpReply,
  type Protocol,
  type ProtocolOptions,
} from './protocol.js';
import { readSettings } from './protocol-settings.js';
import {
  conversation,
  countField,
  objectField,
  optionalCountField,
  plainText,
  replyObject,
  systemText,
} from './reply-fields.js';
import { bearer } from './vllm-tokenize.js';

/**
 * Ollama's native API, `/api/chat` (default) or `/api/generate`: `prompt_eval_count` is the exact prompt
 * count as the model's template laid it out. Ollama has no tokenize endpoint, so each count runs a
 * generation, capped with `num_predict`. Always `stream: false`: Ollama streams newline-delimited JSON,
 * not server-sent events.
 */
export interface OllamaSettings {
  api?: 'chat' | 'generate';
}

type Parsed = Omit<TargetResponse, 'latencyMs' | 'raw'>;

export const OLLAMA_BASE_URL = 'http://127.0.0.1:11434';

export function ollamaProtocol(settings: OllamaSettings = {}): Protocol & { baseUrl: string } {
  const api = settings.api ?? 'chat';
  return {
    scheme: 'ollama',
    baseUrl: OLLAMA_BASE_URL,
    // `prompt_eval_count` and `eval_count` of an answer that is never streamed and has no logprobs here.
    offers: () => COUNTS_ONLY,
    // Only a proxy in front of Ollama (or its hosted service) takes a key, as a bearer token.
    authHeaders: bearer,
    call: (request, options) => ollamaCall(request, options, api),
    parse: (reply) => parseOllamaReply(reply, api),
  };
}

export function ollamaSettings(given: Readonly<Record<string, string>> | undefined): OllamaSettings {
  return readSettings('ollama', given, { api: ['chat', 'generate'] }) as OllamaSettings;
}

function ollamaCall(request: TargetRequest, options: ProtocolOptions, api: 'chat' | 'generate'): HttpCall {
  const model = givenModel('ollama', options);
  const common = { model, stream: false, options: { num_predict: request.maxOutputTokens ?? 1 } };
  if (api === 'chat') {
    return {
      method: 'POST',
      path: 'api/chat',
      body: { ...common, messages: request.messages.map((m) => ({ role: m.role, content: m.content })) },
    };
  }
  const system = systemText(request.messages);
  return {
    method: 'POST',
    path: 'api/generate',
    body: { ...common, prompt: plainText(conversation(request.messages)), ...(system !== undefined && { system }) },
  };
}

function parseOllamaReply(reply: HttpReply, api: 'chat' | 'generate'): Parsed {
  const body = replyObject(reply, 'ollama');
  if (body.done !== true) throw new ProtocolError('ollama: expected one final answer with done: true');
  // Ollama before mid-2024 left the field out when the whole prompt came from its cache.
  if (body.prompt_eval_count === undefined)
    throw new ProtocolError(
      'ollama: the answer has no prompt_eval_count (an older Ollama leaves it out for a cached prompt)',
    );
  const promptTokens = countField(body, 'prompt_eval_count', 'ollama');
  const completionTokens = countField(body, 'eval_count', 'ollama');
  const cachedTokens = optionalCountField(body, 'prompt_eval_cached_count', 'ollama');
  const text = api === 'chat' ? objectField(body, 'message', 'ollama').content : body.response;
  if (typeof text !== 'string')
    throw new ProtocolError(`ollama: the answer has no ${api === 'chat' ? 'message.content' : 'response'} text`);
  return {
    usage: {
      promptTokens,
      completionTokens,
      totalTokens: promptTokens + completionTokens,
      ...(cachedTokens !== undefined && { cachedTokens }),
    },
    text,
    metadata: { model: body.model, doneReason: body.done_reason },
  };
}
