import type { Checkpoint } from './weights/checkpoint.js';
import { readRows } from './weights/tensor.js';

/**
 * What weight lineage compares, from one checkpoint: all of it survives permuting hidden units, rescaling
 * q/k (or v/o) against each other and moving a scale between a norm and the matrix after it.
 * - `embedding.gram`: inner products between the embedding rows of anchor tokens (upper triangle, row by row);
 *   inner products do not change under any rotation of the hidden space, a permutation included.
 * - `layers[].heads[].logits`: per attention head, the attention logits the layer's q/k weights give between the
 *   (RMS-normalised, gain-multiplied) embeddings of the layer anchors, K×K row by row: q·k contracts the head
 *   dimension, so per-head rescaling and reordering cancel, and so does a hidden-unit permutation.
 */
export interface WeightFingerprint {
  version: 1;
  hidden: number;
  layerCount: number;
  heads: number;
  kvHeads: number;
  embedding: { anchors: string[]; gram: number[] };
  layerAnchors: string[];
  layers: { layer: number; heads: { head: number; logits: number[] }[] }[];
}

export interface FingerprintOptions {
  /** Anchor keys in order of preference (the other side's anchors, or the keys both share). */
  anchorKeys: readonly string[];
  /** key -> row of this checkpoint's embedding. */
  ids: ReadonlyMap<string, number>;
  embeddingAnchors?: number;
  layerAnchors?: number;
  /** At most this many layers, spread evenly (all when absent). */
  maxLayers?: number;
  /** Heads read per layer (all when absent); which ones depends only on the layer index. */
  headsPerLayer?: number;
}

export const DEFAULT_EMBEDDING_ANCHORS = 128;
export const DEFAULT_LAYER_ANCHORS = 32;

const round = (x: number) => Number(x.toPrecision(5));

function evenly(count: number, max: number | undefined): number[] {
  if (max === undefined || count <= max) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.round((i * (count - 1)) / Math.max(1, max - 1)));
}

function headsFor(layer: number, heads: number, perLayer: number | undefined): number[] {
  if (perLayer === undefined || perLayer >= heads) return Array.from({ length: heads }, (_, i) => i);
  return Array.from({ length: perLayer }, (_, i) => (layer * 7 + Math.floor((i * heads) / perLayer)) % heads);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** Projections of rows onto a head's weight rows: out[r][j] = x_r · w_j. */
function project(xs: Float32Array[], ws: Float32Array[]): Float64Array[] {
  return xs.map((x) => Float64Array.from(ws, (w) => dot(x, w)));
}

export async function weightFingerprint(
  checkpoint: Checkpoint,
  options: FingerprintOptions,
): Promise<WeightFingerprint> {
  const present = options.anchorKeys.filter((key) => options.ids.has(key));
  const embeddingAnchors = present.slice(0, options.embeddingAnchors ?? DEFAULT_EMBEDDING_ANCHORS);
  const layerAnchors = present.slice(0, options.layerAnchors ?? DEFAULT_LAYER_ANCHORS);
  const rows = await readRows(
    checkpoint.embedding,
    embeddingAnchors.map((key) => options.ids.get(key)!),
  );
  const gram: number[] = [];
  for (let i = 0; i < rows.length; i++) for (let j = i; j < rows.length; j++) gram.push(round(dot(rows[i], rows[j])));

  // layer anchors are the first embedding anchors, so their rows are at hand
  const normalised = rows.slice(0, layerAnchors.length).map((row) => {
    const rms = Math.sqrt(dot(row, row) / row.length) || 1;
    return row.map((x) => x / rms);
  });
  const { heads, kvHeads } = checkpoint;
  const layers: WeightFingerprint['layers'] = [];
  for (const index of evenly(checkpoint.layers.length, options.maxLayers)) {
    const layer = checkpoint.layers[index];
    const gain = layer.norm ? (await readRows(layer.norm, [0]))[0] : undefined;
    const xs = gain ? normalised.map((row) => row.map((x, i) => x * gain[i])) : normalised;
    const headDim = layer.q.rows / heads;
    const out: WeightFingerprint['layers'][number]['heads'] = [];
    for (const head of headsFor(index, heads, options.headsPerLayer)) {
      const kvHead = Math.floor(head / (heads / kvHeads));
      const range = (start: number) => Array.from({ length: headDim }, (_, i) => start + i);
      const [wq, wk] = await Promise.all([
        readRows(layer.q, range(head * headDim)),
        readRows(layer.k, range(kvHead * (layer.k.rows / kvHeads))),
      ]);
      const q = project(xs, wq);
      const k = project(xs, wk);
      const logits: number[] = [];
      for (const qi of q) for (const kj of k) logits.push(round(qi.reduce((sum, x, d) => sum + x * kj[d], 0)));
      out.push({ head, logits });
    }
    layers.push({ layer: index, heads: out });
  }
  return {
    version: 1,
    hidden: checkpoint.embedding.cols,
    layerCount: checkpoint.layers.length,
    heads,
    kvHeads,
    embedding: { anchors: embeddingAnchors, gram },
    layerAnchors,
    layers,
  };
}
