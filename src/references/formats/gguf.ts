import { UserError } from '../../util/errors.js';
import type { Tokenizer, TokenizerFiles } from '../tokenizer.js';
import { ggufPreTokenizer } from './gguf-pre.js';
import { readGgufMetadata, type GgufValue } from './gguf-read.js';
import { loadHfJson } from './hf-json.js';
import { sentencePieceTokenizerJson } from './sentencepiece-json.js';

/** llama.cpp's token types (tokenizer.ggml.token_type). */
export const GGUF_TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

const WHAT = 'GGUF file';

function stringArray(value: GgufValue | undefined, key: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new UserError(
      `${WHAT} has no usable ${key}; it carries no tokenizer (re-convert the model with llama.cpp's convert_hf_to_gguf.py)`,
    );
  }
  return value as string[];
}

function numberArray(value: GgufValue | undefined, length: number, key: string): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length !== length || value.some((v) => typeof v !== 'number')) {
    throw new UserError(`${WHAT}: ${key} does not hold one number per token; the file is corrupt: download it again`);
  }
  return value as number[];
}

/**
 * SentencePiece BPE merges recovered from piece scores, as Hugging Face's converters do: every split of a piece
 * into two pieces is a merge, ranked by the merged piece's score (highest first), then by the parts' ids.
 */
function mergesFromScores(
  tokens: readonly string[],
  scores: readonly number[],
  candidate: (id: number) => boolean,
): [string, string][] {
  const ids = new Map<string, number>();
  tokens.forEach((token, id) => ids.set(token, id));
  const order = tokens
    .map((_, id) => id)
    .filter(candidate)
    .sort((a, b) => scores[b] - scores[a] || a - b);
  const merges: [string, string][] = [];
  for (const id of order) {
    const chars = Array.from(tokens[id]);
    const local: [string, string, number, number][] = [];
    for (let i = 1; i < chars.length; i++) {
      const left = chars.slice(0, i).join('');
      const right = chars.slice(i).join('');
      const l = ids.get(left);
      const r = ids.get(right);
      if (l !== undefined && r !== undefined && candidate(l) && candidate(r)) local.push([left, right, l, r]);
    }
    local.sort((a, b) => a[2] - b[2] || a[3] - b[3]);
    for (const [left, right] of local) merges.push([left, right]);
  }
  return merges;
}

/** Stored merges `left right`, split at the first space after the first character, as llama.cpp reads them. */
function splitMerges(merges: readonly string[]): [string, string][] {
  return merges.map((merge) => {
    const at = merge.indexOf(' ', 1);
    if (at < 0)
      throw new UserError(
        `${WHAT}: merge ${JSON.stringify(merge)} has no space between its parts; the file is corrupt`,
      );
    return [merge.slice(0, at), merge.slice(at + 1)];
  });
}

/**
 * Loads the tokenizer embedded in a GGUF file: `tokenizer.ggml.model` `gpt2` (byte-level BPE with merges and the
 * split regexes `tokenizer.ggml.pre` names), `llama` (SentencePiece, merges recovered from scores) or `gemma4`
 * (SentencePiece-style BPE with stored merges).
 * It becomes a tokenizer.json in memory, loaded with the Hugging Face loader, so control and user-defined
 * tokens written literally in text become their ids, as a tokenizer.json does. No Unicode normalizer is
 * applied, as in llama.cpp (Qwen's tokenizer.json applies NFC; text already in NFC encodes the same).
 */
export function loadGguf(files: TokenizerFiles): Tokenizer {
  const meta = readGgufMetadata(files.main, WHAT);
  const model = meta.get('tokenizer.ggml.model');
  if (typeof model !== 'string') {
    throw new UserError(
      `${WHAT} has no tokenizer.ggml.model; it carries no tokenizer (re-convert the model with llama.cpp's convert_hf_to_gguf.py)`,
    );
  }
  const tokens = stringArray(meta.get('tokenizer.ggml.tokens'), 'tokenizer.ggml.tokens');
  if (tokens.length === 0) throw new UserError(`${WHAT}: tokenizer.ggml.tokens is empty; a tokenizer needs tokens`);
  const types =
    numberArray(meta.get('tokenizer.ggml.token_type'), tokens.length, 'tokenizer.ggml.token_type') ??
    tokens.map(() => GGUF_TOKEN_TYPE.normal);

  const vocab: Record<string, number> = Object.create(null);
  tokens.forEach((token, id) => {
    if (token in vocab)
      throw new UserError(
        `${WHAT} lists token ${JSON.stringify(token)} twice (ids ${vocab[token]} and ${id}); the file is corrupt`,
      );
    vocab[token] = id;
  });
  const addedTypes: number[] = [GGUF_TOKEN_TYPE.unknown, GGUF_TOKEN_TYPE.control, GGUF_TOKEN_TYPE.userDefined];
  const added = tokens.flatMap((content, id) =>
    addedTypes.includes(types[id])
      ? [
          {
            id,
            content,
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: false,
            special: types[id] !== GGUF_TOKEN_TYPE.userDefined,
          },
        ]
      : [],
  );

  let json: Record<string, unknown>;
  if (model === 'gpt2') {
    const preName = meta.get('tokenizer.ggml.pre');
    const pre = ggufPreTokenizer(typeof preName === 'string' ? preName : 'default');
    if (!pre) {
      throw new UserError(
        `${WHAT} names pre-tokenizer "${String(preName)}", which tokprint does not know; add its split regexes from llama.cpp's llama-vocab.cpp to gguf-pre.ts`,
      );
    }
    const merges = stringArray(meta.get('tokenizer.ggml.merges'), 'tokenizer.ggml.merges');
    json = {
      version: '1.0',
      added_tokens: added,
      normalizer: null,
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          ...pre.patterns.map((regex) => ({
            type: 'Split',
            pattern: { Regex: regex },
            behavior: 'Isolated',
            invert: false,
          })),
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      },
      post_processor: null,
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: pre.ignoreMerges,
        vocab,
        merges,
      },
    };
  } else if (model === 'llama') {
    const scores = numberArray(meta.get('tokenizer.ggml.scores'), tokens.length, 'tokenizer.ggml.scores');
    if (!scores)
      throw new UserError(
        `${WHAT}: a SentencePiece (llama) tokenizer needs tokenizer.ggml.scores; re-convert the model with llama.cpp's convert_hf_to_gguf.py`,
      );
    const normal = (id: number) => types[id] === GGUF_TOKEN_TYPE.normal || types[id] === GGUF_TOKEN_TYPE.userDefined;
    const addSpacePrefix = meta.get('tokenizer.ggml.add_space_prefix') !== false;
    const unk = tokens.findIndex((_, id) => types[id] === GGUF_TOKEN_TYPE.unknown);
    json = sentencePieceTokenizerJson({
      vocab,
      merges: mergesFromScores(tokens, scores, normal),
      addedTokens: added,
      addSpacePrefix,
      unkToken: unk >= 0 ? tokens[unk] : null,
      byteFallback: types.includes(GGUF_TOKEN_TYPE.byte),
    });
  } else if (model === 'gemma4') {
    // SentencePiece-style BPE with its merges stored (Gemma 4): spaces become ▁, unknown bytes <0xXX>, no dummy prefix
    const merges = splitMerges(stringArray(meta.get('tokenizer.ggml.merges'), 'tokenizer.ggml.merges'));
    const unk = tokens.findIndex((_, id) => types[id] === GGUF_TOKEN_TYPE.unknown);
    json = sentencePieceTokenizerJson({
      vocab,
      merges,
      addedTokens: added,
      addSpacePrefix: meta.get('tokenizer.ggml.add_space_prefix') === true,
      unkToken: unk >= 0 ? tokens[unk] : null,
      byteFallback: types.includes(GGUF_TOKEN_TYPE.byte),
    });
  } else {
    throw new UserError(
      `${WHAT} uses tokenizer model "${model}"; tokprint reads gpt2 (byte-level BPE), llama (SentencePiece) and gemma4 (SentencePiece-style BPE) GGUF tokenizers`,
    );
  }

  const tokenizer = loadHfJson({ main: new TextEncoder().encode(JSON.stringify(json)) }, WHAT);
  const chatTemplate = meta.get('tokenizer.chat_template');
  return { ...tokenizer, format: 'gguf', ...(typeof chatTemplate === 'string' ? { chatTemplate } : {}) };
}
