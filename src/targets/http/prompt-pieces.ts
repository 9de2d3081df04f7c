import { byteLevelDecoder } from '../../references/formats/byte-level.js';
import type { PromptTokens } from '../target.js';

/**
 * Turning what a server shows of a prompt's tokens (token texts, vocabulary strings, character spans)
 * into `PromptTokens`: the text it tokenized and the byte offsets where its tokens meet.
 */
const utf8 = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isCharStart(bytes: Uint8Array, offset: number): boolean {
  return offset > 0 && offset < bytes.length && (bytes[offset] & 0xc0) !== 0x80;
}

/** Tokens given as their bytes, in order; undefined when together they are not whole UTF-8 text. */
export function promptTokensFromPieces(
  source: PromptTokens['source'],
  pieces: readonly Uint8Array[],
): PromptTokens | undefined {
  const bytes = new Uint8Array(pieces.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  const boundaries: number[] = [];
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.length;
    boundaries.push(offset);
  }
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    return undefined;
  }
  return { source, text, boundaries: [...new Set(boundaries.filter((b) => isCharStart(bytes, b)))] };
}

/** Tokens given as where each starts in `text`, counted in Unicode code points (Python's string offsets). */
export function promptTokensFromCodePointStarts(
  source: PromptTokens['source'],
  text: string,
  starts: readonly number[],
): PromptTokens {
  const byteAt: number[] = [0];
  for (const ch of text) byteAt.push(byteAt.at(-1)! + utf8.encode(ch).length);
  const total = byteAt.at(-1)!;
  const boundaries = [
    ...new Set(starts.filter((s) => Number.isInteger(s) && s > 0 && s < byteAt.length).map((s) => byteAt[s])),
  ]
    .filter((b) => b > 0 && b < total)
    .sort((a, b) => a - b);
  return { source, text, boundaries };
}

const METASPACE = /\u2581/g;
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** Vocabulary strings in the byte-level alphabet (`Ġhello`), or undefined when one is not. */
function byteLevelPieces(strings: readonly string[]): Uint8Array[] | undefined {
  const decode = byteLevelDecoder();
  const pieces: Uint8Array[] = [];
  for (const s of strings) {
    const bytes = decode(s);
    if (!bytes) return undefined;
    pieces.push(bytes);
  }
  return pieces;
}

/** SentencePiece vocabulary strings: `▁` for a space, `<0x0A>` for a byte. */
function metaspacePieces(strings: readonly string[]): Uint8Array[] {
  return strings.map((s) => {
    const byte = BYTE_TOKEN.exec(s);
    return byte ? Uint8Array.of(parseInt(byte[1], 16)) : utf8.encode(s.replace(METASPACE, ' '));
  });
}

/**
 * Vocabulary entries as a tokenize endpoint lists them (vLLM's `token_strs`): the alphabet is not named,
 * so each reading is tried and the one whose pieces spell text holding `expected` (or its NFC form, as a
 * normalizing tokenizer reads it) is taken.
 */
export function promptTokensFromVocabStrings(
  source: PromptTokens['source'],
  strings: readonly string[],
  expected: string,
): PromptTokens | undefined {
  const readings = [byteLevelPieces(strings), metaspacePieces(strings), strings.map((s) => utf8.encode(s))];
  for (const pieces of readings) {
    if (!pieces) continue;
    const tokens = promptTokensFromPieces(source, pieces);
    if (tokens && (tokens.text.includes(expected) || tokens.text.includes(expected.normalize('NFC')))) return tokens;
  }
  return undefined;
}
