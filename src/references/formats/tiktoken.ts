import { Tiktoken as TiktokenCore } from 'js-tiktoken/lite';
import { UserError } from '../../util/errors.js';
import { sha256Hex } from '../../util/hash.js';
import type { SpecialToken, TiktokenSettings, Tokenizer, TokenizerFiles, TokenizerFormat } from '../tokenizer.js';
import { byteLevelEncoder } from './byte-level.js';
import { MAX_TOKEN_ID } from './hf-json-check.js';
import { compileSplitPattern, splitPieces } from './split-pattern.js';

/** Mergeable tokens by rank, each as base64 of its bytes; ranks may have gaps (holes in the array). */
export type RankTable = (string | undefined)[];

const RANK_LINE = /^([A-Za-z0-9+/]+={0,2}) (\d+)$/;

/** Parses a `*.tiktoken` / `tiktoken.model` file: one `<base64 token> <rank>` per line. */
export function parseTiktokenRanks(bytes: Uint8Array, what = 'tiktoken rank file'): RankTable {
  const text = new TextDecoder().decode(bytes);
  const ranks: RankTable = [];
  const lineOfRank = new Map<number, number>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].endsWith('\r') ? lines[n].slice(0, -1) : lines[n];
    if (line === '') continue;
    const match = RANK_LINE.exec(line);
    if (!match) {
      const shown = line.length > 40 ? `${line.slice(0, 40)}…` : line;
      throw new UserError(
        `${what}: line ${n + 1} is not "<base64 token> <rank>" (got ${JSON.stringify(shown)}); the file is truncated or not a tiktoken rank file: download it again`,
      );
    }
    const rank = Number(match[2]);
    if (rank >= MAX_TOKEN_ID)
      throw new UserError(
        `${what}: line ${n + 1} has rank ${match[2].slice(0, 20)}, out of range (0 to ${MAX_TOKEN_ID - 1})`,
      );
    // canonical base64 only: a character dropped or added would silently decode to other bytes
    if (match[1].length % 4 !== 0 || Buffer.from(match[1], 'base64').toString('base64') !== match[1]) {
      throw new UserError(
        `${what}: line ${n + 1} holds ${JSON.stringify(match[1].slice(0, 40))}, which is not valid base64; the file is damaged: download it again`,
      );
    }
    const earlier = lineOfRank.get(rank);
    if (earlier !== undefined) {
      throw new UserError(
        `${what}: rank ${rank} appears on lines ${earlier} and ${n + 1}; the file is corrupt: download it again`,
      );
    }
    lineOfRank.set(rank, n + 1);
    ranks[rank] = match[1];
  }
  if (lineOfRank.size === 0)
    throw new UserError(`${what} has no ranks; the file is empty or not a tiktoken rank file: download it again`);
  return ranks;
}

/** js-tiktoken's compact rank format: lines of `! <first rank> <token> <token> ...`, one per run of consecutive ranks. */
function toCompactRanks(ranks: RankTable): string {
  const lines: string[] = [];
  let run: string[] = [];
  let start = 0;
  ranks.forEach((token, rank) => {
    if (token === undefined) return;
    if (run.length > 0 && rank !== start + run.length) {
      lines.push(`! ${start} ${run.join(' ')}`);
      run = [];
    }
    if (run.length === 0) start = rank;
    run.push(token);
  });
  if (run.length) lines.push(`! ${start} ${run.join(' ')}`);
  return lines.join('\n');
}

/**
 * A tokenizer from tiktoken ranks plus the split pattern and special tokens, encoded with js-tiktoken.
 * `encode` treats special-token text (`<|endoftext|>`) as ordinary text, as OpenAI's API counts a user's
 * message; `tokenString` renders each token's bytes in GPT-2's byte-level alphabet, the form a
 * tokenizer.json conversion of the same vocabulary stores.
 */
export function tiktokenFromRanks(
  ranks: RankTable,
  settings: TiktokenSettings,
  format: TokenizerFormat,
  what: string,
): Tokenizer {
  const bytesOf: (Uint8Array | undefined)[] = [];
  const seen = new Map<string, number>();
  ranks.forEach((token, rank) => {
    if (token === undefined) return;
    const bytes = Buffer.from(token, 'base64');
    const key = bytes.toString('latin1');
    const other = seen.get(key);
    if (other !== undefined)
      throw new UserError(
        `${what}: ranks ${other} and ${rank} are the same token; the file is corrupt: download it again`,
      );
    seen.set(key, rank);
    bytesOf[rank] = new Uint8Array(bytes);
  });
  for (let b = 0; b < 256; b++) {
    if (!seen.has(String.fromCharCode(b))) {
      throw new UserError(
        `${what} has no rank for the single byte 0x${b.toString(16).padStart(2, '0')}; BPE needs all 256 bytes to encode any text: the file is incomplete, download it again`,
      );
    }
  }

  const specialTokens: SpecialToken[] = [];
  const specialText = new Map<number, string>();
  for (const [content, id] of Object.entries(settings.specialTokens)) {
    if (!Number.isInteger(id) || id < 0)
      throw new UserError(
        `${what}: special token ${content} has id ${id}, not a non-negative integer; fix the manifest's tiktoken.specialTokens`,
      );
    if (bytesOf[id] !== undefined || specialText.has(id)) {
      throw new UserError(
        `${what}: special token ${content} reuses id ${id}, which is already taken; fix the manifest's tiktoken.specialTokens`,
      );
    }
    specialText.set(id, content);
    specialTokens.push({ id, content });
  }
  specialTokens.sort((a, b) => a.id - b.id);

  const split = compileSplitPattern(settings.pattern, `${what}: tiktoken split pattern`);
  const compact = toCompactRanks(ranks);
  // The core gets a match-everything pattern: pieces are split here, with a regex compiled for JavaScript.
  const core = new TiktokenCore({ pat_str: '[^]+', special_tokens: {}, bpe_ranks: compact });
  const toByteLevel = byteLevelEncoder();
  const utf8 = new TextEncoder();
  const maxSpecial = specialTokens.length ? specialTokens[specialTokens.length - 1].id : -1;

  return {
    format,
    vocabSize: Math.max(bytesOf.length - 1, maxSpecial) + 1,
    specialTokens,
    contentHash: sha256Hex(
      JSON.stringify({
        kind: 'tiktoken',
        ranks: compact,
        pattern: settings.pattern,
        special: specialTokens.map((t) => [t.id, t.content]),
      }),
    ),
    encode: (text) => {
      const ids: number[] = [];
      for (const piece of splitPieces(split, text)) ids.push(...core.encode(piece, [], []));
      return ids;
    },
    tokenString: (id) => {
      const special = specialText.get(id);
      if (special !== undefined) return special;
      const bytes = bytesOf[id];
      return bytes && toByteLevel(bytes);
    },
    tokenBytes: (id) => {
      const special = specialText.get(id);
      if (special !== undefined) return utf8.encode(special);
      return bytesOf[id];
    },
  };
}

/** Loads a `*.tiktoken` / `tiktoken.model` rank file; the split pattern and special tokens come from the manifest. */
export function loadTiktoken(files: TokenizerFiles, settings: TiktokenSettings | undefined): Tokenizer {
  if (!settings) {
    throw new UserError(
      'a tiktoken rank file carries no split pattern or special tokens; give them in the manifest entry\'s "tiktoken" field (pattern, specialTokens)',
    );
  }
  return tiktokenFromRanks(parseTiktokenRanks(files.main), settings, 'tiktoken', 'tiktoken rank file');
}
