import type { TargetResponse } from '../target.js';
import { ProtocolError, type HttpReply, type Protocol } from './protocol.js';
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
    authHeaders: bearer,
    call: (request) => ({ method: 'POST', path: 'tokenize', body: { inputs: plainText(request.messages) } }),
    parse: (reply) => parseTgiTokens(reply),
  };
}

export function parseTgiTokens(reply: HttpReply): Parsed {
  const tokens = replyJson(reply, 'tgi');
  if (!Array.isArray(tokens)) throw new ProtocolError(`tgi: expected a list of tokens, got ${describe(tokens)}`);
  const ids: number[] = [];
  const special: number[] = [];
  const pieces = tokens.map((token) => {
    if (!isObject(token) || !Number.isInteger(token.id) || typeof token.text !== 'string' || typeof token.special !== 'boolean') {
      throw new ProtocolError(`tgi: a token should be {id, text, special, start, stop}, got ${describe(token)}`);
    }
    ids.push(token.id as number);
    if (token.special) special.push(token.id as number);
    return { token: token.text, bytes: utf8Bytes(token.text) };
  });
  return { usage: { promptTokens: tokens.length }, logprobTokens: pieces, metadata: { tokenIds: ids, specialTokenIds: special } };
}
