import type { TargetRequest, TargetResponse } from '../target.js';
import {
  TOKENIZE_ONLY,
  ProtocolError,
  type HttpCall,
  type HttpReply,
  type Protocol,
  type ProtocolOptions,
} from './protocol.js';
import { readSettings } from './protocol-settings.js';
import { promptTokensFromVocabStrings } from './prompt-pieces.js';
import { arrayField, countField, describe, optionalCountField, plainText, replyObject } from './reply-fields.js';

/**
 * `POST /tokenize` on vLLM and SGLang: free and exact. `prompt` input counts the messages' text joined by a
 * blank line with no special tokens added; `messages` input (vLLM only) counts the conversation as the
 * server's own chat template lays it out, generation prompt included.
 */
export type TokenizeInput = 'prompt' | 'messages';

export interface VllmTokenizeSettings {
  input?: TokenizeInput;
}

type Parsed = Omit<TargetResponse, 'latencyMs' | 'raw'>;

export function vllmTokenizeProtocol(settings: VllmTokenizeSettings = {}): Protocol {
  const input = settings.input ?? 'prompt';
  return {
    scheme: 'vllm',
    // `return_token_strs` shows the prompt's tokens.
    offers: () => ({ ...TOKENIZE_ONLY, promptTokens: true }),
    // Servers started with --api-key want a bearer token; the key has no conventional variable.
    authHeaders: bearer,
    call: (request, options) => vllmTokenizeCall(request, options, input),
    parse: (reply, request) => parseTokenizeReply(reply, 'vllm', true, longestMessage(request)),
  };
}

/** SGLang's `/tokenize` takes the vLLM prompt form and answers without token strings. */
export function sglangTokenizeProtocol(): Protocol {
  return {
    scheme: 'sglang',
    offers: () => TOKENIZE_ONLY,
    authHeaders: bearer,
    call: (request, options) => ({
      method: 'POST',
      path: 'tokenize',
      body: {
        ...(options.model && { model: options.model }),
        prompt: plainText(request.messages),
        add_special_tokens: false,
      },
    }),
    parse: (reply) => parseTokenizeReply(reply, 'sglang', false),
  };
}

export function vllmTokenizeSettings(given: Readonly<Record<string, string>> | undefined): VllmTokenizeSettings {
  return readSettings('vllm', given, { input: ['prompt', 'messages'] }) as VllmTokenizeSettings;
}

export function vllmTokenizeCall(request: TargetRequest, options: ProtocolOptions, input: TokenizeInput): HttpCall {
  const model = options.model ? { model: options.model } : {};
  const body =
    input === 'messages'
      ? {
          ...model,
          messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
          add_generation_prompt: true,
          add_special_tokens: false,
          return_token_strs: true,
        }
      : { ...model, prompt: plainText(request.messages), add_special_tokens: false, return_token_strs: true };
  return { method: 'POST', path: 'tokenize', body };
}

/** The message a prompt's tokens are looked for in: the longest, as a probe pack is. */
export function longestMessage(request: TargetRequest): string {
  return request.messages.reduce((best, m) => (m.content.length > best.length ? m.content : best), '');
}

export function parseTokenizeReply(reply: HttpReply, api: string, withStrings: boolean, expected = ''): Parsed {
  const body = replyObject(reply, api);
  const tokens = arrayField(body, 'tokens', api);
  if (!tokens.every((id) => Number.isInteger(id)))
    throw new ProtocolError(`${api}: tokens should be token ids, got ${describe(tokens)}`);
  const count = countField(body, 'count', api);
  if (count !== tokens.length)
    throw new ProtocolError(`${api}: count ${count} disagrees with ${tokens.length} token ids`);
  const maxModelLen = optionalCountField(body, 'max_model_len', api);
  const strings = withStrings ? body.token_strs : undefined;
  if (
    strings !== undefined &&
    strings !== null &&
    !(Array.isArray(strings) && strings.length === count && strings.every((s) => typeof s === 'string'))
  ) {
    throw new ProtocolError(`${api}: token_strs should be one string per token, got ${describe(strings)}`);
  }
  const promptTokens = Array.isArray(strings)
    ? promptTokensFromVocabStrings('tokenize', strings as string[], expected)
    : undefined;
  return {
    usage: { promptTokens: count },
    // Token strings are vocabulary entries (byte-level or `▁` alphabet), not decoded text; they carry no logprob.
    ...(Array.isArray(strings) && { logprobTokens: (strings as string[]).map((token) => ({ token })) }),
    ...(promptTokens && { promptTokens }),
    metadata: { tokenIds: tokens, ...(maxModelLen !== undefined && { maxModelLen }) },
  };
}

export function bearer(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}` };
}
