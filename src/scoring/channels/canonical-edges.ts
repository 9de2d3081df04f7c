import type { Tokenizer } from '../../references/tokenizer.js';
import type { ChannelObservation } from './channel.js';
import { chunkEdges, referenceBoundaries } from './segmentation.js';
import { memoPerPair } from '../../util/pair-memo.js';
import { unknownRate } from './stream-batching.js';

/** Chunk edges of one answer, and how many fall inside one of a reference's own tokens. */
export interface EdgeMisses {
  edges: number;
  /** Undefined when the reference's tokens do not spell the answer back (its normalizer changed the text). */
  misses?: number;
}

/** The chunk edges of a streamed answer against the reference's canonical segmentation of its text. */
export const edgeMisses = memoPerPair((observation: ChannelObservation, tokenizer: Tokenizer): EdgeMisses => {
  const edges = chunkEdges(observation.chunks ?? []);
  const boundaries = referenceBoundaries(tokenizer, observation.text);
  let misses: number | undefined;
  if (boundaries) {
    misses = 0;
    for (const e of edges) if (!boundaries.has(e)) misses++;
  }
  return { edges: edges.size, misses };
});

/**
 * Log-likelihood of the chunk edges that fall inside a reference's canonical tokens, their rate unknown and
 * learned over the run: a model that emits the tokenizer's own segmentation puts none there under the true
 * reference and some under a coarser one, while a model that emits other segmentations costs every reference
 * alike. Answers the reference cannot spell back count as its average answer.
 */
export function canonicalFit(answers: readonly EdgeMisses[]): number {
  const edges = answers.reduce((s, a) => s + a.edges, 0);
  const compared = answers.filter((a) => a.misses !== undefined);
  const comparedEdges = compared.reduce((s, a) => s + a.edges, 0);
  const misses = compared.reduce((s, a) => s + a.misses!, 0);
  const scaled = comparedEdges ? Math.round((misses * edges) / comparedEdges) : 0;
  return unknownRate(scaled, edges);
}

/** The best canonical fit any reference could have: no chunk edge inside one of its tokens. */
export function bestCanonicalFit(edges: number): number {
  return unknownRate(0, edges);
}
