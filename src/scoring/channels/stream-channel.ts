import { defineChannel } from './channel.js';
import { chunkEdges, compareSegmentation, referenceBoundaries, type SegmentationComparison } from './segmentation.js';

/** Nats per token edit left after splitting: a chunk edge inside a reference token (about two edits each). */
const EDIT_COST = 1.2;
/** Log of the share of edges a changed vocabulary leaves where its base puts them. */
const DERIVED_EDGE_SHARE_LOG = Math.log(0.98);
/** An unindexed tokenizer is taken to put a chunk edge inside a token this often. */
const UNKNOWN_MISS_RATE = 0.12;

function logGamma(x: number): number {
  // Stirling series; exact enough for counts of a few or more, shifted up for small ones.
  let shift = 0;
  while (x < 7) shift -= Math.log(x++);
  const inv = 1 / x;
  return shift + (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + inv / 12 - inv ** 3 / 360;
}

/**
 * How likely it is that a server showed `seen` of a reference's boundaries and hid `unseen`, with its
 * batching rate unknown and the same for every answer: the Beta(1,1) integral over that rate. A server
 * sending one token per chunk shows all of the true tokenizer's boundaries and far fewer of a finer one's.
 */
function batchingLikelihood(seen: number, unseen: number): number {
  return logGamma(seen + 1) + logGamma(unseen + 1) - logGamma(seen + unseen + 2);
}

/**
 * Chunk edges of streamed answers against each loaded reference's segmentation of the same text:
 * chunk edges inside a reference token (edit distance after splitting at its boundaries) weigh
 * heavily, its boundaries no chunk shows weigh as a batching rate learned across answers. Groups
 * whose encoder is not loaded (they trail) score as the worst loaded group; answers a reference
 * cannot spell back (its normalizer changed the text) count for it as its average answer.
 */
export const streamChannel = defineChannel({
  name: 'stream',
  help: "chunk edges of streamed answers against each reference's segmentation (on with --stream)",
  asks: { wantChunks: true },
  promptOnly: false,
  seen: true,
  needsEncoder: true,
  impliedBy: 'stream',
  score(observations, { groups, encoder }) {
    const streamed = observations.filter((o) => (o.chunks?.length ?? 0) > 1);
    if (!streamed.length) return undefined;
    const edgesOf = streamed.map((o) => chunkEdges(o.chunks!));
    const loaded = groups.flatMap((_, g) => (encoder(g) ? [g] : []));
    if (!loaded.length) return undefined;
    const match = new Array<number>(groups.length).fill(0);
    const derived = new Array<number>(groups.length).fill(0);
    const batching: number[] = [];
    for (const g of loaded) {
      const compared = streamed.flatMap((o, k) => {
        const boundaries = referenceBoundaries(encoder(g)!, o.text);
        return boundaries ? [compareSegmentation(o.text, edgesOf[k], boundaries)] : [];
      });
      const scale = compared.length ? streamed.length / compared.length : 0;
      const sum = (f: (c: SegmentationComparison) => number) => compared.reduce((s, c) => s + f(c), 0);
      const edits = sum((c) => c.editDistance) * scale;
      const batch = compared.length
        ? batchingLikelihood(
            sum((c) => c.edges - c.misses),
            sum((c) => c.unseen),
          ) * scale
        : -Infinity;
      batching.push(batch);
      match[g] = -EDIT_COST * edits + batch;
      // A changed vocabulary segments like its base almost everywhere, but where its tokens changed an
      // edge would fall differently: no such sign is weak evidence it was not changed.
      derived[g] = match[g] + DERIVED_EDGE_SHARE_LOG * sum((c) => c.edges) * scale;
    }
    const edges = edgesOf.reduce((sum, e) => sum + e.size, 0);
    // Unknown: batching like the closest loaded reference, with some chunk edges inside its tokens.
    const unknown = Math.max(...batching) - EDIT_COST * 2 * UNKNOWN_MISS_RATE * edges;
    const isLoaded = new Set(loaded);
    const worstMatch = Math.min(...loaded.map((g) => match[g]));
    const worstDerived = Math.min(...loaded.map((g) => derived[g]));
    return {
      match: match.map((m, g) => (isLoaded.has(g) ? m : worstMatch)),
      derived: derived.map((d, g) => (isLoaded.has(g) ? d : worstDerived)),
      unknown,
      unscored: groups.map((_, g) => !isLoaded.has(g)),
      note: `${edges} chunk edges in ${streamed.length} streamed answers, compared with ${loaded.length} references' segmentations`,
    };
  },
});
