import { MAX_TOKEN_BYTES, minPieces } from '../../signatures/min-pieces.js';
import type { VocabMembership } from '../../signatures/vocab-membership-file.js';
import { memoPerPair } from '../../util/pair-memo.js';
import type { SignatureGroup } from '../hypotheses.js';
import type { ChannelObservation } from './channel.js';

const utf8 = new TextEncoder();
const REPLACEMENT = '\ufffd';

/** One streamed chunk as a vocabulary sees it. */
export interface ChunkPieces {
  /** Per membership class, the fewest vocabulary entries that spell the chunk (Infinity: it cannot). */
  pieces: number[];
  /**
   * How many pieces beyond the server's batch the chunk may hold: a server holds the bytes of a character split
   * between tokens until it is whole, so a chunk may start with a character whose first bytes came in the batch
   * before (up to its length less one more pieces), and after chunks that showed no text it holds their batches.
   */
  extra: number;
}

/** A streamed answer's non-empty chunks, and the output tokens billed for it when they are known. */
export interface StreamedPieces {
  /** The chunks that show text; those showing none, or bytes a decoder replaced, are left out. */
  chunks: ChunkPieces[];
  total?: number;
}

/**
 * Each chunk of a streamed answer against every class's vocabulary (see minPieces); the answer's first chunk may
 * have lost SentencePiece's dummy-prefix space. Observations do not change, so each is worked out once.
 */
export const streamedPieces = memoPerPair(
  (observation: ChannelObservation, membership: VocabMembership): StreamedPieces => {
    const filters = membership.classes.map((c) => c.filter);
    const chunks: ChunkPieces[] = [];
    let heldBefore = false;
    for (const chunk of observation.chunks ?? []) {
      // A replacement character stands for bytes a decoder could not read: which tokens made them is lost.
      if (!chunk || chunk.includes(REPLACEMENT)) {
        heldBefore = true;
        continue;
      }
      const bytes = utf8.encode(chunk);
      const first = utf8.encode(String.fromCodePoint(chunk.codePointAt(0)!)).length;
      // minPieces looks up no entry longer than MAX_TOKEN_BYTES, so a longer chunk may be one token (a run of
      // dashes) it counts as several: such a chunk only says whether the vocabulary can spell it.
      const long = bytes.length > MAX_TOKEN_BYTES;
      chunks.push({
        pieces: minPieces(filters, bytes, { atStart: chunks.length === 0 }).map((m) => (long ? Math.min(m, 1) : m)),
        extra: heldBefore ? Number.POSITIVE_INFINITY : first - 1,
      });
      heldBefore = false;
    }
    return { chunks, total: observation.completionTokens };
  },
);

/** Per group, the membership classes it stands for (empty: no class of it is indexed). */
export function groupClasses(groups: readonly SignatureGroup[], membership: VocabMembership): number[][] {
  const at = new Map(membership.classes.map((c, i) => [c.id, i]));
  return groups.map((g) => g.classIds.flatMap((id) => (at.has(id) ? [at.get(id)!] : [])));
}

/** A group's pieces for each chunk: the fewest over its classes, the group being any one of them. */
export function piecesOf(streamed: StreamedPieces, classes: readonly number[]): number[] {
  return streamed.chunks.map((c) => Math.min(...classes.map((k) => c.pieces[k])));
}

/**
 * How much each seen token weighs for a smaller vocabulary that holds it: a model drawing from a vocabulary a
 * fraction larger shows a token of the smaller one that much less often. Tempered, since a model's tokens are
 * far from uniform over its vocabulary; it only decides between vocabularies that hold every token seen.
 */
const SIZE_WEIGHT = 0.25;

/**
 * Per group, the log-weight each seen token it holds adds: its smallest indexed class's size against the middle
 * indexed size (0 with no class indexed). A token a vocabulary lacks costs what the channel says instead.
 */
export function vocabularySize(classes: readonly (readonly number[])[], membership: VocabMembership): number[] {
  const sizes = membership.classes.map((c) => Math.log(c.tokens)).sort((a, b) => a - b);
  const middle = sizes[Math.floor(sizes.length / 2)] ?? 0;
  return classes.map((c) =>
    c.length ? -SIZE_WEIGHT * (Math.min(...c.map((k) => Math.log(membership.classes[k].tokens))) - middle) : 0,
  );
}
