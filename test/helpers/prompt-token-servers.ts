import type { Tokenizer } from '../../src/references/tokenizer.js';
import type { ChatTemplate } from '../../src/targets/chat-templates.js';
import type { ChatMessage } from '../../src/targets/target.js';
import { startJsonServer, type JsonServer } from './generic-json-server.js';

/**
 * Loopback servers that show a prompt in their own tokens, backed by a real tokenizer: legacy completions
 * with `echo` (`text_offset` in code points, as Python counts) and vLLM chat completions with `prompt_logprobs`.
 */

const _utf8 = new TextEncoder();

/**
 * Token texts as vLLM's incremental detokenizer gives them: a token that ends inside a character shows
 * as nothing, and the character comes with the token that completes it.
 */
export function decodedTokens(tokenizer: Tokenizer, ids: readonly number[]): string[] {
  const bytes = ids.map((id) => tokenizer.tokenBytes(id) ?? new Uint8Array());
  let pending: Uint8Array[] = [];
  return bytes.map((piece) => {
    pending.push(piece);
    const text = Buffer.concat(pending).toString('utf8');
    if (text.endsWith('\ufffd')) return '';
    pending = [];
    return text;
  });
}

/** `text_offset`s as vLLM counts them: the code points of the token texts before each. */
function textOffsets(texts: readonly string[], start = 0): number[] {
  let offset = start;
  return texts.map((t) => {
    const at = offset;
    offset += [...t].length;
    return at;
  });
}

export interface EchoServerOptions {
  tokenizer: Tokenizer;
  /** The tokenizer `usage` is counted with, when the provider recounts; the model's own otherwise. */
  billing?: Tokenizer;
}

/** `POST /v1/completions` with `echo`: the prompt's tokens, their `text_offset`s, then a short answer. */
export function startEchoCompletionsServer(options: EchoServerOptions): Promise<JsonServer> {
  const { tokenizer } = options;
  return startJsonServer((request) => {
    if (request.method !== 'POST' || request.path !== '/v1/completions')
      return { status: 404, json: { error: { message: 'no route' } } };
    const body = request.json as { prompt: string; max_tokens?: number; echo?: boolean; logprobs?: number | null };
    const prompt = decodedTokens(tokenizer, tokenizer.encode(body.prompt));
    const output = decodedTokens(tokenizer, tokenizer.encode(' OK').slice(0, Math.max(1, body.max_tokens ?? 16)));
    const shown = body.echo ? [...prompt, ...output] : output;
    const promptText = body.echo ? body.prompt : '';
    const logprobs =
      typeof body.logprobs === 'number'
        ? {
            tokens: shown,
            token_logprobs: shown.map((_, i) => (body.echo && i === 0 ? null : -0.01)),
            top_logprobs: null,
            text_offset: textOffsets(shown),
          }
        : null;
    const billed = (options.billing ?? tokenizer).encode(body.prompt).length;
    return {
      status: 200,
      json: {
        id: 'cmpl-echo',
        object: 'text_completion',
        created: 0,
        model: 'echo',
        choices: [{ index: 0, text: promptText + output.join(''), logprobs, finish_reason: 'length' }],
        usage: { prompt_tokens: billed, completion_tokens: output.length, total_tokens: billed + output.length },
      },
    };
  });
}

export interface PromptLogprobsServerOptions {
  tokenizer: Tokenizer;
  template: ChatTemplate;
}

/**
 * vLLM's `POST /v1/chat/completions`: with `prompt_logprobs: N`, the templated prompt's tokens, the first as
 * null, each position a map from token id to `{logprob, rank, decoded_token}`, decoded incrementally.
 */
export function startPromptLogprobsServer(options: PromptLogprobsServerOptions): Promise<JsonServer> {
  const { tokenizer, template } = options;
  return startJsonServer((request) => {
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions')
      return { status: 404, json: { detail: 'Not Found' } };
    const body = request.json as { messages: ChatMessage[]; prompt_logprobs?: number };
    const ids = tokenizer.encode(template.render(body.messages));
    const texts = decodedTokens(tokenizer, ids);
    const positions = ids.map((id, i) =>
      i === 0 ? null : { [String(id)]: { logprob: -1.5, rank: 1, decoded_token: texts[i] } },
    );
    const output = tokenizer.encode('OK');
    return {
      status: 200,
      json: {
        id: 'chatcmpl-vllm',
        object: 'chat.completion',
        created: 0,
        model: 'vllm-model',
        choices: [{ index: 0, message: { role: 'assistant', content: 'OK' }, logprobs: null, finish_reason: 'length' }],
        usage: {
          prompt_tokens: ids.length,
          completion_tokens: output.length,
          total_tokens: ids.length + output.length,
        },
        ...(typeof body.prompt_logprobs === 'number' && { prompt_logprobs: positions }),
      },
    };
  });
}
