import { createHash } from 'node:crypto';

/** The vocabulary of a checkpoint as matching keys by id (token bytes as hex, or the token's string). */
export type VocabularyKeys = readonly (string | undefined)[];

/** A fixed order over token keys, the same in every vocabulary: two models pick the same anchors from what they share. */
function rank(key: string): number {
  return createHash('sha256').update('tokprint-weights\0').update(key).digest().readUInt32BE(0);
}

/** key -> id for ids below `rows` (appended embedding rows past the vocabulary are never anchors). */
export function keyIds(keys: VocabularyKeys, rows: number): Map<string, number> {
  const ids = new Map<string, number>();
  const n = Math.min(keys.length, rows);
  for (let id = 0; id < n; id++) {
    const key = keys[id];
    if (key !== undefined && !ids.has(key)) ids.set(key, id);
  }
  return ids;
}

/** Keys held by every map, in the fixed order. */
export function sharedKeysInOrder(...maps: ReadonlyMap<string, number>[]): string[] {
  const [first, ...rest] = maps;
  const shared = [...first.keys()].filter((key) => rest.every((m) => m.has(key)));
  const ranks = new Map(shared.map((key) => [key, rank(key)]));
  return shared.sort((a, b) => ranks.get(a)! - ranks.get(b)! || (a < b ? -1 : 1));
}

/** Keys named by id for a vocabulary that is not known: ids themselves (a checkpoint compared with its own kind). */
export function idKeys(rows: number): string[] {
  return Array.from({ length: rows }, (_, id) => `#${id}`);
}
