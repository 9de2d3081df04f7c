import type { LlamaModel, Token } from 'node-llama-cpp';

/** GPT-2's byte-level alphabet read backwards: vocabulary character -> byte, as llama.cpp's `llama_decode_text` does. */
const BYTE_OF_CHAR = (() => {
  const map = new Map<number, number>();
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let shifted = 0;
  for (let b = 0; b < 256; b++) map.set(printable(b) ? b : 256 + shifted++, b);
  return map;
})();

const encoder = new TextEncoder();

/** llama.cpp's vocabulary text of a token (`llama_vocab_get_text`); node-llama-cpp reaches it only internally. */
function vocabularyText(model: LlamaModel, token: Token): string {
  const addon = (model as unknown as { _model?: { getTokenString?(token: number): string | undefined } })._model;
  if (typeof addon?.getTokenString !== 'function')
    throw new Error('this node-llama-cpp no longer exposes getTokenString; update the engine test');
  return addon.getTokenString(token) ?? '';
}

/**
 * The bytes llama.cpp's `llama_token_to_piece` gives a token: byte-level vocabularies decode normal tokens from
 * the GPT-2 alphabet, SentencePiece ones turn `▁` into a space and `<0xNN>` into the byte; user-defined tokens are
 * their text; control tokens are their text only when `special`, else nothing (as llama-server renders output).
 * Bytes, not a string, because one token may hold part of a UTF-8 character.
 */
export function tokenPiece(model: LlamaModel, token: Token, special: boolean): Uint8Array {
  const attributes = model.getTokenAttributes(token);
  const text = vocabularyText(model, token);
  if (attributes.control || attributes.unknown) return special ? encoder.encode(text) : new Uint8Array();
  if (attributes.userDefined) return encoder.encode(text);
  if (model.vocabularyType === 'bpe') {
    const bytes: number[] = [];
    for (const char of text) {
      const byte = BYTE_OF_CHAR.get(char.codePointAt(0)!);
      if (byte === undefined) return encoder.encode(text);
      bytes.push(byte);
    }
    return Uint8Array.from(bytes);
  }
  if (attributes.byte) {
    const match = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
    if (match) return Uint8Array.of(parseInt(match[1], 16));
  }
  return encoder.encode(model.vocabularyType === 'spm' ? text.replaceAll('\u2581', ' ') : text);
}

/** A piece as text when it is whole UTF-8, as llama-server's /tokenize `with_pieces` reports it; else its bytes. */
export function pieceForJson(bytes: Uint8Array): string | number[] {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return [...bytes];
  }
}
