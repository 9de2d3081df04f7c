import type { Tokenizer } from '../../src/references/tokenizer.js';
import type { ChatTemplate } from '../../src/targets/chat-templates.js';
import type { ChatMessage } from '../../src/targets/target.js';
import { startJsonServer, type JsonServer, type ServerAnswer } from './generic-json-server.js';

/**
 * Loopback stand-ins for the tokenize endpoints of vLLM, SGLang, llama.cpp's server and TGI: each one's
 * request fields, defaults, answer shape and error shape, tokenizing with a real reference tokenizer.
 */

function bosId(tokenizer: Tokenizer, content: string): number {
  const bos = tokenizer.specialTokens.find((t) => t.content === content);
  if (!bos) throw new Error(`the tokenizer has no ${content}`);
  return bos.id;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface VllmServerOptions {
  tokenizer: Tokenizer;
  /** The served model name; a request naming another model is refused. */
  model: string;
  template: ChatTemplate;
  /** Prepended when `add_special_tokens` is true (the default for a prompt). */
  bos?: string;
  /** SGLang answers the same route with only `tokens`, `count` and `max_model_len`, and takes no messages. */
  dialect?: 'vllm' | 'sglang';
}

export async function startVllmTokenizeServer(options: VllmServerOptions): Promise<JsonServer> {
  const { tokenizer, template } = options;
  const sglang = options.dialect === 'sglang';
  const vllmError = (code: number, type: string, message: string): ServerAnswer => ({
    status: code,
    json: { object: 'error', message, type, param: null, code },
  });
  return startJsonServer((request) => {
    if (request.method !== 'POST' || (request.path !== '/tokenize' && request.path !== '/v1/tokenize'))
      return { status: 404, json: { detail: 'Not Found' } };
    const body = request.json;
    if (!isObject(body)) return vllmError(400, 'BadRequestError', 'JSON decode error');
    if (body.model !== undefined && body.model !== options.model)
      return vllmError(404, 'NotFoundError', `The model \`${String(body.model)}\` does not exist.`);
    const hasPrompt = typeof body.prompt === 'string';
    const hasMessages = Array.isArray(body.messages);
    if (sglang && !hasPrompt) return { status: 400, json: { error: { message: 'prompt: Field required' } } };
    if (hasPrompt === hasMessages)
      return vllmError(400, 'BadRequestError', '1 validation error: give either prompt or messages');
    let ids: number[];
    if (hasPrompt) {
      ids = tokenizer.encode(body.prompt as string);
      if (body.add_special_tokens !== false && options.bos) ids = [bosId(tokenizer, options.bos), ...ids];
    } else {
      const messages = body.messages as ChatMessage[];
      if (
        !messages.every(
          (m) => isObject(m) && typeof m.content === 'string' && ['system', 'user', 'assistant'].includes(m.role),
        )
      ) {
        return vllmError(400, 'BadRequestError', 'messages: each message needs a role and string content');
      }
      let rendered = template.render(messages);
      // The template renders the generation prompt after the turns, and alone for no turns.
      if (body.add_generation_prompt === false)
        rendered = rendered.slice(0, rendered.length - template.render([]).length);
      ids = tokenizer.encode(rendered);
    }
    const answer: Record<string, unknown> = { count: ids.length, max_model_len: 32768, tokens: ids };
    if (!sglang)
      answer.token_strs = body.return_token_strs === true ? ids.map((id) => tokenizer.tokenString(id)) : null;
    return { status: 200, json: answer };
  });
}

export interface LlamacppServerOptions {
  tokenizer: Tokenizer;
  bos: string;
}

export async function startLlamacppServer(options: LlamacppServerOptions): Promise<JsonServer> {
  const { tokenizer } = options;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  return startJsonServer((request) => {
    if (request.method !== 'POST' || request.path !== '/tokenize')
      return { status: 404, json: { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } } };
    const body = request.json;
    if (!isObject(body))
      return {
        status: 500,
        json: { error: { code: 500, message: 'parse error: syntax error', type: 'server_error' } },
      };
    // The real server answers a body without `content` with an empty list rather than an error.
    if (typeof body.content !== 'string') return { status: 200, json: { tokens: [] } };
    if (body.parse_special === false)
      return {
        status: 501,
        json: { error: { code: 501, message: 'parse_special=false is not simulated', type: 'not_supported_error' } },
      };
    let ids = tokenizer.encode(body.content);
    if (body.add_special === true) ids = [bosId(tokenizer, options.bos), ...ids];
    if (body.with_pieces !== true) return { status: 200, json: { tokens: ids } };
    const tokens = ids.map((id) => {
      const bytes = tokenizer.tokenBytes(id) ?? new Uint8Array();
      try {
        return { id, piece: utf8.decode(bytes) };
      } catch {
        return { id, piece: [...bytes] };
      }
    });
    return { status: 200, json: { tokens } };
  });
}

export interface TgiServerOptions {
  tokenizer: Tokenizer;
  bos: string;
}

export async function startTgiServer(options: TgiServerOptions): Promise<JsonServer> {
  const { tokenizer } = options;
  return startJsonServer((request) => {
    if (request.method !== 'POST' || request.path !== '/tokenize') return { status: 404, text: '' };
    const body = request.json;
    if (!isObject(body) || typeof body.inputs !== 'string') {
      return {
        status: 422,
        text: 'Failed to deserialize the JSON body into the target type: missing field `inputs` at line 1 column 2',
      };
    }
    const input = body.inputs;
    const chars = [...input];
    // Character offset of each byte offset; a token ending inside a character ends at that character's start.
    const charAt: number[] = [];
    chars.forEach((ch, i) => {
      for (let b = 0; b < Buffer.byteLength(ch); b++) charAt.push(i);
    });
    charAt.push(chars.length);
    let byte = 0;
    const tokens: unknown[] = [{ id: bosId(tokenizer, options.bos), text: '', special: true, start: 0, stop: 0 }];
    for (const id of tokenizer.encode(input)) {
      const length = spanLength(tokenizer, id);
      const start = charAt[byte];
      const stop = charAt[byte + length];
      tokens.push({
        id,
        text: chars.slice(start, stop).join(''),
        special: tokenizer.specialTokens.some((t) => t.id === id),
        start,
        stop,
      });
      byte += length;
    }
    return { status: 200, json: tokens };
  });
}

const METASPACE = Buffer.from('\u2581');

/**
 * Bytes of input a token covers. Gemma's whitespace-run tokens (`▁▁▁`) are added tokens, whose stored text
 * `tokenBytes` returns as is; the `▁` in them still stands for a space.
 */
function spanLength(tokenizer: Tokenizer, id: number): number {
  const bytes = Buffer.from(tokenizer.tokenBytes(id) ?? new Uint8Array());
  let metaspaces = 0;
  for (let at = bytes.indexOf(METASPACE); at >= 0; at = bytes.indexOf(METASPACE, at + METASPACE.length)) metaspaces++;
  return bytes.length - metaspaces * (METASPACE.length - 1);
}
