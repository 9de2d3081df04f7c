import { UserError } from '../../util/errors.js';
import type { Tokenizer, TokenizerFiles } from '../tokenizer.js';
import { tiktokenFromRanks, type RankTable } from './tiktoken.js';

const WHAT = 'js-tiktoken rank module';

interface RankModule {
  pat_str: string;
  special_tokens: Record<string, number>;
  bpe_ranks: string;
}

/**
 * Reads the object literal of a js-tiktoken `dist/ranks/*.js` (or `.cjs`) module as JSON text.
 * The module is never executed: a downloaded file is data here, not code.
 */
export function parseRankModule(bytes: Uint8Array): RankModule {
  const text = new TextDecoder().decode(bytes);
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  const prelude = text.slice(0, Math.max(start, 0)).trim();
  if (start < 0 || end < start || !/^(export default|module\.exports\s*=)$/.test(prelude)) {
    throw new UserError(
      `${WHAT}: expected "export default {...}" or "module.exports = {...}"; the path should name a file under js-tiktoken's dist/ranks/`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text.slice(start, end + 1));
  } catch (error) {
    throw new UserError(
      `${WHAT}: its object literal is not plain JSON (${(error as Error).message}); the file is truncated or from an unsupported js-tiktoken version`,
      {
        cause: error,
      },
    );
  }
  const module = data as Partial<RankModule>;
  if (
    typeof module.pat_str !== 'string' ||
    typeof module.bpe_ranks !== 'string' ||
    typeof module.special_tokens !== 'object' ||
    module.special_tokens === null
  ) {
    throw new UserError(
      `${WHAT}: missing pat_str, special_tokens or bpe_ranks; the file is not a js-tiktoken rank module`,
    );
  }
  return module as RankModule;
}

/** Expands js-tiktoken's compact `! <first rank> <token> <token> ...` lines into a rank table. */
export function expandCompactRanks(compact: string, what = WHAT): RankTable {
  const ranks: RankTable = [];
  const lines = compact.split('\n').filter(Boolean);
  lines.forEach((line, n) => {
    const [, offsetText, ...tokens] = line.split(' ');
    const offset = Number(offsetText);
    if (!/^\d+$/.test(offsetText ?? '') || tokens.some((token) => !/^[A-Za-z0-9+/]+={0,2}$/.test(token))) {
      throw new UserError(
        `${what}: bpe_ranks line ${n + 1} is not "! <rank> <base64 token> ..."; the file is corrupt: download it again`,
      );
    }
    tokens.forEach((token, i) => {
      if (ranks[offset + i] !== undefined)
        throw new UserError(`${what}: rank ${offset + i} is listed twice; the file is corrupt: download it again`);
      ranks[offset + i] = token;
    });
  });
  if (ranks.length === 0) throw new UserError(`${what} has no ranks; the file is empty or corrupt: download it again`);
  return ranks;
}

/** Loads the ranks, split pattern and special tokens embedded in a js-tiktoken rank module. */
export function loadJsTiktokenRanks(files: TokenizerFiles): Tokenizer {
  const module = parseRankModule(files.main);
  return tiktokenFromRanks(
    expandCompactRanks(module.bpe_ranks),
    { pattern: module.pat_str, specialTokens: module.special_tokens },
    'js-tiktoken-ranks',
    WHAT,
  );
}
