import type { Tokenizer } from './tokenizer.js';

/** How many of the lowest-priority merges a pruned vocabulary is assumed to lose at the least. */
export const RARE_MERGES = 2000;

/**
 * Ids of the tokens the last `count` merges build: what a team shrinking a vocabulary removes first.
 * Without merges (rank files) the highest ids of the base vocabulary stand in for them, since ranks
 * are merge order there.
 */
export function rarestTokenIds(tokenizer: Tokenizer, count = RARE_MERGES): Set<number> {
  const rare = new Set<number>();
  const mergeIds = tokenizer.structure?.mergeIds;
  if (mergeIds && mergeIds.length >= 2) {
    const idOf = new Map<string, number>();
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const piece = tokenizer.tokenString(id);
      if (piece !== undefined && !idOf.has(piece)) idOf.set(piece, id);
    }
    const merges = mergeIds.length / 2;
    for (let i = merges - 1; i >= 0 && i >= merges - count; i--) {
      const left = tokenizer.tokenString(mergeIds[2 * i]);
      const right = tokenizer.tokenString(mergeIds[2 * i + 1]);
      if (left === undefined || right === undefined) continue;
      const id = idOf.get(left + right);
      if (id !== undefined) rare.add(id);
    }
    return rare;
  }
  const excluded = new Set([
    ...tokenizer.specialTokens.map((t) => t.id),
    ...(tokenizer.structure?.addedTokens ?? []).map((t) => t.id),
  ]);
  for (let id = tokenizer.vocabSize - 1; id >= 0 && rare.size < count; id--) {
    if (!excluded.has(id) && tokenizer.tokenBytes(id)) rare.add(id);
  }
  return rare;
}
