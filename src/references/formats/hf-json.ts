import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { UserError } from '../../util/errors.js';
import { sha256Hex } from '../../util/hash.js';
import type { SpecialToken, Tokenizer, TokenizerFiles, TokenizerStructure } from '../tokenizer.js';
import { byteLevelDecoder } from './byte-level.js';
import { checkHfTokenizerJson } from './hf-json-check.js';
import { withPreTokenizerSplit } from './pre-tokenizer-split.js';
import type { JsonObject } from '../../util/parsed-json.js';

type Json = JsonObject;

function parseJson(bytes: Uint8Array, what: string): Json {
  const text = new TextDecoder().decode(bytes);
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch (error) {
    throw new UserError(
      `${what} is not valid JSON (${(error as Error).message}); the file is truncated or not a tokenizer.json: download it again`,
      { cause: error },
    );
  }
}

function isByteLevel(json: Json): boolean {
  const seen = JSON.stringify([json.pre_tokenizer, json.decoder]);
  return seen.includes('"ByteLevel"');
}

const METASPACE = '\u2581';
const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;

/** Loads a Hugging Face tokenizer.json (and its tokenizer_config.json) with @huggingface/tokenizers. */
export function loadHfJson(files: TokenizerFiles, what = 'tokenizer.json'): Tokenizer {
  const json = parseJson(files.main, 'tokenizer.json');
  const config = files.config ? parseJson(files.config, 'tokenizer_config.json') : {};
  if (!json.model || typeof json.model !== 'object' || !json.model.vocab) {
    throw new UserError(
      'tokenizer.json has no model.vocab: it is not a Hugging Face tokenizer file (expected the tokenizer.json from a model repo)',
    );
  }
  checkHfTokenizerJson(json, what);
  let hf: HfTokenizer;
  try {
    hf = new HfTokenizer(json, config);
  } catch (error) {
    throw new UserError(
      `tokenizer.json could not be loaded (${(error as Error).message}); check that the file is complete`,
      { cause: error },
    );
  }

  const idToToken: string[] = [];
  const vocab: Record<string, number> | [string, number][] = json.model.vocab;
  if (Array.isArray(vocab)) {
    vocab.forEach(([token], id) => (idToToken[id] = token));
  } else {
    for (const [token, id] of Object.entries(vocab)) idToToken[id] = token;
  }
  const specialTokens: SpecialToken[] = [];
  for (const added of (json.added_tokens ?? []) as Json[]) {
    idToToken[added.id] = added.content;
    if (added.special) specialTokens.push({ id: added.id, content: added.content });
  }

  const byteLevel = isByteLevel(json);
  const decodeByteLevel = byteLevel ? byteLevelDecoder() : undefined;
  const encoder = new TextEncoder();
  const addedIds = new Set(((json.added_tokens ?? []) as Json[]).map((t) => t.id as number));

  const contentHash = sha256Hex(
    JSON.stringify({
      model: {
        type: json.model.type,
        vocab: json.model.vocab,
        merges: json.model.merges ?? null,
        byte_fallback: json.model.byte_fallback ?? null,
      },
      normalizer: json.normalizer ?? null,
      pre_tokenizer: json.pre_tokenizer ?? null,
      added_tokens: ((json.added_tokens ?? []) as Json[]).map((t) => [t.id, t.content, !!t.special]),
    }),
  );

  return {
    format: 'hf-json',
    structure: hfStructure(json),
    vocabSize: idToToken.length,
    specialTokens,
    contentHash,
    encode: (text) => hf.encode(text, { add_special_tokens: false }).ids,
    withSplit: (split) => {
      const variant = new HfTokenizer(
        { ...json, pre_tokenizer: withPreTokenizerSplit(json.pre_tokenizer, split) },
        config,
      );
      return (text) => variant.encode(text, { add_special_tokens: false }).ids;
    },
    tokenString: (id) => idToToken[id],
    tokenBytes: (id) => {
      const token = idToToken[id];
      if (token === undefined) return undefined;
      // Byte-level vocabularies store added tokens as plain text; metaspace ones may spell spaces as ▁ (Gemma's whitespace runs).
      if (addedIds.has(id)) return encoder.encode(decodeByteLevel ? token : token.replaceAll(METASPACE, ' '));
      const fallback = BYTE_FALLBACK.exec(token);
      if (fallback) return Uint8Array.of(parseInt(fallback[1], 16));
      if (decodeByteLevel) return decodeByteLevel(token) ?? encoder.encode(token);
      return encoder.encode(token.replaceAll(METASPACE, ' '));
    },
  };
}

/** Merges are resolved to ids only when asked for: Gemma 3 has over 500,000 of them. */
function hfStructure(json: Json): TokenizerStructure {
  let mergeIds: Int32Array | undefined;
  const raw = json.model.merges as (string | [string, string])[] | undefined;
  const vocab = json.model.vocab as Record<string, number>;
  const idOf = (part: string) => {
    const id = vocab[part];
    return typeof id === 'number' ? id : -1;
  };
  return {
    modelType: String(json.model.type ?? 'unknown'),
    normalizer: json.normalizer ?? null,
    preTokenizer: json.pre_tokenizer ?? null,
    addedTokens: ((json.added_tokens ?? []) as Json[]).map((t) => ({
      id: t.id,
      content: t.content,
      special: !!t.special,
    })),
    get mergeIds() {
      if (!raw || Array.isArray(vocab)) return undefined;
      if (!mergeIds) {
        mergeIds = new Int32Array(raw.length * 2);
        raw.forEach((merge, i) => {
          // The older string form cannot hold a space inside a part, so the first space is the separator.
          const space = typeof merge === 'string' ? merge.indexOf(' ', 1) : -1;
          const [left, right] =
            typeof merge === 'string'
              ? space < 0
                ? [merge, '']
                : [merge.slice(0, space), merge.slice(space + 1)]
              : merge;
          mergeIds![2 * i] = idOf(left);
          mergeIds![2 * i + 1] = idOf(right);
        });
      }
      return mergeIds;
    },
  };
}
