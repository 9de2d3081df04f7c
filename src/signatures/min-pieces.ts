import { filterHasHashed, hashBytes, type MembershipFilter } from './vocab-membership.js';

/** Longer byte strings are not looked up: hardly any vocabulary has tokens this long. */
export const MAX_TOKEN_BYTES = 48;
const SPACE = 0x20;

export interface MinPiecesOptions {
  /**
   * The text starts an answer: its first token may carry a word-initial space the server's detokenizer
   * dropped (SentencePiece's dummy prefix), so the first piece may also be looked up with a space before it.
   */
  atStart?: boolean;
}

/** Whether `bytes` is one whole UTF-8 character (a vocabulary's base symbol need not split into two entries). */
function oneCharacter(bytes: Uint8Array): boolean {
  const lead = bytes[0];
  const width = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
  return width === bytes.length;
}

/**
 * For each filter, the fewest vocabulary entries whose bytes, joined, give `bytes`: a lower bound on how many
 * tokens a server with that vocabulary spent on them. Infinity where no split into entries exists (a byte the
 * vocabulary cannot emit).
 *
 * A Bloom filter answers "present" for a few percent of strings it never held, and a text has many substrings,
 * so a piece longer than one character counts only when it also splits into two present pieces, as every token a
 * merge made does. That keeps false pieces rare; where one slips through it can only lower a count, so the true
 * vocabulary's count never exceeds the tokens actually sent.
 */
export function minPieces(
  filters: readonly MembershipFilter[],
  bytes: Uint8Array,
  options: MinPiecesOptions = {},
): number[] {
  const n = bytes.length;
  if (n === 0) return filters.map(() => 0);
  const span = MAX_TOKEN_BYTES;
  // present[f][start * span + (length - 1)]: the filter holds bytes[start, start + length)
  const present = filters.map(() => new Uint8Array(n * span));
  const spaced = options.atStart && bytes[0] !== SPACE ? new Uint8Array(span + 1) : undefined;
  if (spaced) spaced[0] = SPACE;
  for (let start = 0; start < n; start++) {
    for (let length = 1; length <= Math.min(span, n - start); length++) {
      const piece = bytes.subarray(start, start + length);
      const hashed = hashBytes(piece);
      let withSpace: ReturnType<typeof hashBytes> | undefined;
      if (spaced && start === 0 && length < span) {
        spaced.set(piece, 1);
        withSpace = hashBytes(spaced.subarray(0, length + 1));
      }
      for (let f = 0; f < filters.length; f++) {
        if (filterHasHashed(filters[f], hashed)) present[f][start * span + length - 1] = 1;
        // a dropped leading space: the piece stands for a token one byte longer, checked the same way below
        else if (withSpace && filterHasHashed(filters[f], withSpace)) present[f][start * span + length - 1] = 2;
      }
    }
  }
  return filters.map((_, f) => {
    const has = present[f];
    const at = (start: number, length: number) => has[start * span + length - 1] !== 0;
    const confirmed = (start: number, length: number): boolean => {
      if (length === 1 || oneCharacter(bytes.subarray(start, start + length))) return true;
      for (let cut = 1; cut < length; cut++) if (at(start, cut) && at(start + cut, length - cut)) return true;
      // " hello" spelled "hello": its halves are " " + "hello" or " he" + "llo"
      return has[start * span + length - 1] === 2;
    };
    const best = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
    best[0] = 0;
    for (let start = 0; start < n; start++) {
      if (best[start] === Number.POSITIVE_INFINITY) continue;
      for (let length = 1; length <= Math.min(span, n - start); length++) {
        const end = start + length;
        if (best[start] + 1 < best[end] && at(start, length) && confirmed(start, length)) best[end] = best[start] + 1;
      }
    }
    return best[n];
  });
}
