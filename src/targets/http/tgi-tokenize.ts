import type { PromptTokens, TargetRequest, TargetResponse } from '../target.js';
import { promptTokensFromCodePointStarts } from './prompt-pieces.js';
import { TOKENIZE_ONLY, ProtocolError, type HttpReply, type Protocol } from './protocol.js';
import { describe, isObject, plainText, replyJson, utf8Bytes } from './reply-fields.js';
import { bearer } from './vllm-tokenize.js';

/**
 * Text Generation Inference's `POST /tokenize`: free and exact, special tokens (e.g. BOS) included as the
 * model would see them. Each token comes with the span of the input it covers.
 */
type Parsed = Omit<TargetResponse, 'latencyMs' | 'raw'>;

export function tgiTokenizeProtocol(): Protocol {
  return {
    scheme: 'tgi',
    // Each token's span of the input shows the prompt's tokens.
    offers: () => ({ ...TOKENIZE_ONLY, promptTokens: true }),
    authHeaders: bearer,
    call: (request) => ({ method: 'POST', path: 'tokenize', body: { inputs: plainText(request.messages) } }),
    parse: (reply, request) => parseTgiTokens(reply, request),
  };
}

export function parseTgiTokens(reply: HttpReply, request?: TargetRequest): Parsed {
  const tokens = replyJson(reply, 'tgi');
  if (!Array.isArray(tokens)) throw new ProtocolError(`tgi: expected a list of tokens, got ${describe(tokens)}`);
  const ids: number[] = [];
  const special: number[] = [];
  const spans: { text: string; start: number; stop: number }[] = [];
  const pieces = tokens.map((token) => {
    if (
      !isObject(token) ||
      !Number.isInteger(token.id) ||
      typeof token.text !== 'string' ||
      typeof token.special !== 'boolean'
    ) {
      throw new ProtocolError(`tgi: a token should be {id, text, special, start, stop}, got ${describe(token)}`);
    }
    ids.push(token.id as number);
    if (token.special) special.push(token.id as number);
    if (Number.isInteger(token.start) && Number.isInteger(token.stop))
      spans.push({ text: token.text, start: token.start as number, stop: token.stop as number });
    return { token: token.text, bytes: utf8Bytes(token.text) };
  });
  const promptTokens =
    request && spans.length === tokens.length ? spanTokens(plainText(request.messages), spans) : undefined;
  return {
    usage: { promptTokens: tokens.length },
    logprobTokens: pieces,
    ...(promptTokens && { promptTokens }),
    metadata: { tokenIds: ids, specialTokenIds: special },
  };
}

/**
 * Each token's `start`/`stop` span of the input, as code points or as bytes: whichever reading gives back
 * every token's `text` is taken (ASCII input reads the same both ways).
 */
function spanTokens(
  input: string,
  spans: readonly { text: string; start: number; stop: number }[],
): PromptTokens | undefined {
  const chars = [...input];
  const bytes = Buffer.from(input, 'utf8');
  const byChars = (s: { start: number; stop: number }) => chars.slice(s.start, s.stop).join('');
  const byBytes = (s: { start: number; stop: number }) => bytes.subarray(s.start, s.stop).toString('utf8');
  const starts = spans.filter((s) => s.stop > s.start).map((s) => s.start);
  if (spans.every((s) => byChars(s) === s.text)) return promptTokensFromCodePointStarts('tokenize', input, starts);
  if (spans.every((s) => byBytes(s) === s.text)) {
    const boundaries = [...new Set(starts)]
      .filter((b) => b > 0 && b < bytes.length && (bytes[b] & 0xc0) !== 0x80)
      .sort((a, b) => a - b);
    return { source: 'tokenize', text: input, boundaries };
  }
  return undefined;
}
