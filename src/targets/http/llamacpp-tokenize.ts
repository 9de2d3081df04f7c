import type { LogprobToken, TargetResponse } from '../target.js';
import { promptTokensFromPieces } from './prompt-pieces.js';
import { TOKENIZE_ONLY, ProtocolError, type HttpReply, type Protocol } from './protocol.js';
import { readSettings } from './protocol-settings.js';
import { arrayField, describe, isObject, plainText, replyObject, utf8Bytes } from './reply-fields.js';
import { bearer } from './vllm-tokenize.js';

/**
 * llama.cpp server's `POST /tokenize` with pieces: free and exact. No BOS is added; special-token text is
 * parsed as the server parses a prompt, unless `parse_special=false`.
 */
export interface LlamacppTokenizeSettings {
  parseSpecial?: boolean;
}

type Parsed = Omit<TargetResponse, 'latencyMs' | 'raw'>;

export function llamacppTokenizeProtocol(settings: LlamacppTokenizeSettings = {}): Protocol {
  return {
    scheme: 'llamacpp',
    // `with_pieces` shows the prompt's tokens.
    offers: () => ({ ...TOKENIZE_ONLY, promptTokens: true }),
    authHeaders: bearer,
    call: (request) => ({
      method: 'POST',
      path: 'tokenize',
      body: {
        content: plainText(request.messages),
        add_special: false,
        parse_special: settings.parseSpecial ?? true,
        with_pieces: true,
      },
    }),
    parse: (reply) => parseLlamacppTokens(reply),
  };
}

export function llamacppTokenizeSettings(
  given: Readonly<Record<string, string>> | undefined,
): LlamacppTokenizeSettings {
  const read = readSettings('llamacpp', given, { parse_special: ['true', 'false'] });
  return read.parse_special === undefined ? {} : { parseSpecial: read.parse_special === 'true' };
}

/** `tokens` is a list of ids, or of `{id, piece}` where a piece that is not whole UTF-8 comes as a byte list. */
export function parseLlamacppTokens(reply: HttpReply): Parsed {
  const tokens = arrayField(replyObject(reply, 'llamacpp'), 'tokens', 'llamacpp');
  if (tokens.every((t) => Number.isInteger(t)))
    return { usage: { promptTokens: tokens.length }, metadata: { tokenIds: tokens } };
  const ids: number[] = [];
  const pieces: LogprobToken[] = [];
  for (const token of tokens) {
    if (!isObject(token) || !Number.isInteger(token.id))
      throw new ProtocolError(`llamacpp: a token should be an id or {id, piece}, got ${describe(token)}`);
    ids.push(token.id as number);
    pieces.push(pieceToken(token.piece));
  }
  const promptTokens = promptTokensFromPieces(
    'tokenize',
    pieces.map((p) => Uint8Array.from(p.bytes!)),
  );
  return {
    usage: { promptTokens: tokens.length },
    logprobTokens: pieces,
    ...(promptTokens && { promptTokens }),
    metadata: { tokenIds: ids },
  };
}

function pieceToken(piece: unknown): LogprobToken {
  if (typeof piece === 'string') return { token: piece, bytes: utf8Bytes(piece) };
  if (Array.isArray(piece) && piece.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return { token: new TextDecoder().decode(Uint8Array.from(piece as number[])), bytes: piece as number[] };
  }
  throw new ProtocolError(`llamacpp: a piece should be text or a byte list, got ${describe(piece)}`);
}
