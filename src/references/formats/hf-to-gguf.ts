import { UserError } from '../../util/errors.js';
import { GGUF_TOKEN_TYPE } from './gguf.js';
import type { GgufEntry } from './gguf-write.js';
import type { JsonObject } from '../../util/parsed-json.js';

type Json = JsonObject;

export interface HfToGgufOptions {
  /**
   * `tokenizer.ggml.pre` for byte-level BPE: llama.cpp's converter picks it by hashing the tokenizer's output on a
   * test text, which needs the reference tokenizers it knows, so the caller names it (e.g. `llama-bpe`, `qwen2`).
   */
  pre?: string;
  architecture?: string;
  name?: string;
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).content === 'string') return (value as Json).content;
  return undefined;
}

/**
 * Tokenizer metadata for a GGUF file, from a Hugging Face tokenizer.json (and tokenizer_config.json), laid out as
 * llama.cpp's convert_hf_to_gguf.py writes it: byte-level BPE as model `gpt2` with merges; SentencePiece-style
 * BPE (byte fallback) as model `llama` with scores. SentencePiece scores are not in a tokenizer.json, so each
 * piece's score is minus the rank of the first merge that makes it, the order a SentencePiece BPE model's scores have.
 */
export function ggufTokenizerMetadata(
  tokenizerJson: Json,
  tokenizerConfig: Json | undefined,
  options: HfToGgufOptions = {},
): Record<string, GgufEntry> {
  const model = tokenizerJson.model;
  if (model?.type !== 'BPE')
    throw new UserError(
      `only BPE tokenizer.json files convert to GGUF here (got ${model?.type}); convert others with llama.cpp`,
    );
  const vocab: Record<string, number> = model.vocab;
  const added: Json[] = tokenizerJson.added_tokens ?? [];
  const size =
    [...Object.values(vocab), ...added.map((t) => t.id as number)].reduce((max, id) => Math.max(max, id), -1) + 1;
  const tokens: string[] = new Array(size);
  const types: number[] = new Array(size).fill(GGUF_TOKEN_TYPE.normal);
  for (const [token, id] of Object.entries(vocab)) tokens[id] = token;
  for (const token of added) {
    tokens[token.id] = token.content;
    types[token.id] = token.special ? GGUF_TOKEN_TYPE.control : GGUF_TOKEN_TYPE.userDefined;
  }
  for (let id = 0; id < size; id++) {
    if (tokens[id] === undefined) {
      tokens[id] = `[PAD${id}]`;
      types[id] = GGUF_TOKEN_TYPE.unused;
    }
  }
  const merges: string[] = (model.merges ?? []).map((m: string | [string, string]) =>
    typeof m === 'string' ? m : m.join(' '),
  );

  const meta: Record<string, GgufEntry> = {
    'general.architecture': { type: 'string', value: options.architecture ?? 'llama' },
    ...(options.name ? { 'general.name': { type: 'string', value: options.name } } : {}),
  };
  if (model.byte_fallback) {
    const firstMade = new Map<string, number>();
    merges.forEach((merge, rank) => {
      const space = merge.indexOf(' ', 1);
      const made = merge.slice(0, space) + merge.slice(space + 1);
      if (!firstMade.has(made)) firstMade.set(made, rank);
    });
    const scores = tokens.map((token, id) =>
      types[id] === GGUF_TOKEN_TYPE.normal ? -(firstMade.get(token) ?? merges.length + id) : 0,
    );
    tokens.forEach((token, id) => {
      if (/^<0x[0-9A-Fa-f]{2}>$/.test(token) && types[id] === GGUF_TOKEN_TYPE.normal) types[id] = GGUF_TOKEN_TYPE.byte;
      if (token === model.unk_token) types[id] = GGUF_TOKEN_TYPE.unknown;
    });
    const prepends =
      JSON.stringify(tokenizerJson.normalizer ?? null).includes('"Prepend"') ||
      JSON.stringify(tokenizerJson.pre_tokenizer ?? null).includes('"prepend_scheme":"always"');
    Object.assign(meta, {
      'tokenizer.ggml.model': { type: 'string', value: 'llama' },
      'tokenizer.ggml.tokens': { type: 'string[]', value: tokens },
      'tokenizer.ggml.scores': { type: 'f32[]', value: scores },
      'tokenizer.ggml.token_type': { type: 'i32[]', value: types },
      'tokenizer.ggml.add_space_prefix': { type: 'bool', value: prepends },
    });
  } else {
    if (!options.pre)
      throw new UserError(
        'a byte-level BPE tokenizer needs its tokenizer.ggml.pre name (e.g. llama-bpe, qwen2, deepseek-v3) to convert to GGUF',
      );
    Object.assign(meta, {
      'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
      'tokenizer.ggml.pre': { type: 'string', value: options.pre },
      'tokenizer.ggml.tokens': { type: 'string[]', value: tokens },
      'tokenizer.ggml.token_type': { type: 'i32[]', value: types },
      'tokenizer.ggml.merges': { type: 'string[]', value: merges },
    });
  }
  const ids = new Map(tokens.map((token, id) => [token, id]));
  for (const [key, field] of [
    ['bos', 'bos_token'],
    ['eos', 'eos_token'],
    ['unknown', 'unk_token'],
    ['padding', 'pad_token'],
  ] as const) {
    const id = ids.get(tokenText(tokenizerConfig?.[field]) ?? '\u0000');
    if (id !== undefined) meta[`tokenizer.ggml.${key}_token_id`] = { type: 'u32', value: id };
  }
  if (typeof tokenizerConfig?.chat_template === 'string')
    meta['tokenizer.chat_template'] = { type: 'string', value: tokenizerConfig.chat_template };
  return meta;
}
