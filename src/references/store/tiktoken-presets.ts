import { UserError } from '../../util/errors.js';
import type { TiktokenSettings } from '../tokenizer.js';
import type { ParsedJson } from '../../util/parsed-json.js';

/**
 * What a tiktoken rank file lacks (its split pattern and special tokens), for the tokenizers people add most.
 * Patterns are stored as their publishers write them; the tiktoken loader compiles them.
 */
interface TiktokenPreset {
  pattern: string;
  specialTokens: Record<string, number>;
  /** Special ids the publisher's tokenizer reserves right after the ranks, named when its config does not name them. */
  reservedAfterRanks?: { count: number; name: (id: number) => string };
}

// Both copied from js-tiktoken's cl100k_base and o200k_base (a test checks they still match).
const CL100K: TiktokenPreset = {
  pattern:
    "('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  specialTokens: {
    '<|endoftext|>': 100257,
    '<|fim_prefix|>': 100258,
    '<|fim_middle|>': 100259,
    '<|fim_suffix|>': 100260,
    '<|endofprompt|>': 100276,
  },
};

const O200K_CONTRACTIONS = "('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)";
const O200K: TiktokenPreset = {
  pattern: [
    `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+${O200K_CONTRACTIONS}?`,
    `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*${O200K_CONTRACTIONS}?`,
    '\\p{N}{1,3}',
    ' ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*',
    '\\s*[\\r\\n]+',
    '\\s+(?!\\S)',
    '\\s+',
  ].join('|'),
  specialTokens: { '<|endoftext|>': 199999, '<|endofprompt|>': 200018 },
};

// Kimi K2's pat_str as tokenization_kimi.py in its model repository publishes it (Rust regex syntax, as tiktoken
// compiles it); the tiktoken loader translates it.
const KIMI_K2_PAT_STR = [
  '[\\p{Han}]+',
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
  '\\p{N}{1,3}',
  ' ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*',
  '\\s*[\\r\\n]+',
  '\\s+(?!\\S)',
  '\\s+',
].join('|');
const KIMI_K2: TiktokenPreset = {
  pattern: KIMI_K2_PAT_STR,
  // Its special tokens come from tokenizer_config.json; ids it leaves unnamed get the names tokenization_kimi.py gives them.
  specialTokens: {},
  reservedAfterRanks: { count: 256 + 2, name: (id) => `<|reserved_token_${id}|>` },
};

export const TIKTOKEN_PRESETS: Readonly<Record<string, TiktokenPreset>> = {
  cl100k: CL100K,
  o200k: O200K,
  'kimi-k2': KIMI_K2,
};

export interface TiktokenSettingsInput {
  preset?: string;
  pattern?: string;
  /** The rank file itself, to count its ranks. */
  ranks: Uint8Array;
  /** tokenizer_config.json, whose added_tokens_decoder names the special tokens. */
  config?: Uint8Array;
}

function addedTokensFromConfig(config: Uint8Array | undefined): Map<number, string> {
  const added = new Map<number, string>();
  if (!config) return added;
  let json: ParsedJson;
  try {
    json = JSON.parse(new TextDecoder().decode(config));
  } catch (error) {
    throw new UserError(
      `tokenizer_config.json is not valid JSON (${(error as Error).message}); the file is truncated or damaged`,
      { cause: error },
    );
  }
  for (const [id, token] of Object.entries<ParsedJson>(json?.added_tokens_decoder ?? {})) {
    if (/^\d+$/.test(id) && typeof token?.content === 'string') added.set(Number(id), token.content);
  }
  return added;
}

function countRanks(ranks: Uint8Array): number {
  let lines = 0;
  for (const line of new TextDecoder().decode(ranks).split('\n')) if (line.trim()) lines++;
  return lines;
}

/** The pattern and special tokens for a tiktoken rank file, from a preset or an explicit pattern plus its config. */
export function tiktokenSettings(input: TiktokenSettingsInput): TiktokenSettings {
  const preset = input.preset === undefined ? undefined : TIKTOKEN_PRESETS[input.preset];
  if (input.preset !== undefined && !preset) {
    throw new UserError(
      `unknown --tiktoken-preset "${input.preset}"; known presets: ${Object.keys(TIKTOKEN_PRESETS).join(', ')}`,
    );
  }
  const pattern = input.pattern ?? preset?.pattern;
  if (!pattern) {
    throw new UserError(
      `a tiktoken rank file carries no split pattern; pass --tiktoken-preset (${Object.keys(TIKTOKEN_PRESETS).join(', ')}) or --tiktoken-pattern`,
    );
  }
  const names = new Map<number, string>(
    Object.entries(preset?.specialTokens ?? {}).map(([content, id]) => [id, content]),
  );
  if (preset?.reservedAfterRanks) {
    const first = countRanks(input.ranks);
    for (let id = first; id < first + preset.reservedAfterRanks.count; id++)
      names.set(id, preset.reservedAfterRanks.name(id));
  }
  for (const [id, content] of addedTokensFromConfig(input.config)) names.set(id, content);
  const specialTokens: Record<string, number> = {};
  for (const [id, content] of [...names].sort(([a], [b]) => a - b)) specialTokens[content] = id;
  return { pattern, specialTokens };
}
