import { keyIds, sharedKeysInOrder, type VocabularyKeys } from './anchors.js';
import { seededRng } from '../util/rng.js';
import { median, pearson, procrustes } from './linear-algebra.js';
import { type WeightFingerprint, weightFingerprint } from './weight-fingerprint.js';
import type { Checkpoint } from './weights/checkpoint.js';
import { readRows } from './weights/tensor.js';

/**
 * The fixed threshold on the score: at or above it the verdict is `same-lineage`. The score is a mean of
 * correlations, which independent weights put near 0 (their anchor geometry and attention patterns are unrelated)
 * and copies, fine-tunes and quantizations of one model put near 1; 0.5 sits in the middle of that gap.
 */
export const SAME_LINEAGE_THRESHOLD = 0.5;
/** Fewer shared anchors than this and a correlation says little; that component is left out. */
const MIN_EMBEDDING_ANCHORS = 16;
const MIN_LAYER_ANCHORS = 8;
/** Procrustes is fitted only up to this hidden size (each Newton step inverts an h×h matrix). */
export const MAX_PROCRUSTES_HIDDEN = 512;
const HELD_OUT_ROWS = 128;

export interface LayerEvidence {
  layer: number;
  /** Mean over heads of the best-matching head's logit correlation (both directions averaged when both hold all heads). */
  correlation: number;
  heads: number;
}

/** Weight evidence as plain data, for JSON and any renderer. */
export interface WeightEvidence {
  verdict: 'same-lineage' | 'independent';
  /** Mean of the components present, in [-1, 1]; `same-lineage` at or above `threshold`. */
  score: number;
  threshold: number;
  components: {
    /** Correlation of the anchor tokens' embedding inner products (double-centred, as cosines). */
    embeddingGeometry?: number;
    /** Mean cosine of held-out shared rows after the best orthogonal map fitted on other shared rows. */
    embeddingProcrustes?: number;
    /** Median over layers of `layers[].correlation`. */
    layerInvariants?: number;
  };
  /**
   * Calibrated against relabelled anchors (a Mantel permutation test): the chance that weights with no
   * token-to-token correspondence to the other side's would agree this well. The verdict rests on `score`;
   * this says how surprising the embedding agreement is under independence.
   */
  pValues: { embeddingGeometry?: number };
  sharedAnchors: { embedding: number; layers: number };
  layers: LayerEvidence[];
  /** Why a component is missing, when one is. */
  notes: string[];
}

function subGram(f: WeightFingerprint, keys: readonly string[]): Float64Array {
  const index = new Map(f.embedding.anchors.map((key, i) => [key, i]));
  const n = f.embedding.anchors.length;
  const at = (i: number, j: number) => {
    const [lo, hi] = i <= j ? [i, j] : [j, i];
    return f.embedding.gram[lo * n - (lo * (lo - 1)) / 2 + (hi - lo)];
  };
  const idx = keys.map((key) => index.get(key)!);
  const m = keys.length;
  const g = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) g[i * m + j] = at(idx[i], idx[j]);
  // double-centre (inner products of rows less their mean), then scale to cosines
  const rowMean = new Float64Array(m);
  let all = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) rowMean[i] += g[i * m + j] / m;
    all += rowMean[i] / m;
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) g[i * m + j] += all - rowMean[i] - rowMean[j];
  const norms = Array.from({ length: m }, (_, i) => Math.sqrt(Math.max(g[i * m + i], 1e-30)));
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) g[i * m + j] /= norms[i] * norms[j];
  return g;
}

/** The entries above the diagonal of an m×m matrix, rows and columns taken in `order`. */
function upper(g: Float64Array, m: number, order?: readonly number[]): Float64Array {
  const out = new Float64Array((m * (m - 1)) / 2);
  let k = 0;
  for (let i = 0; i < m; i++)
    for (let j = i + 1; j < m; j++) out[k++] = order ? g[order[i] * m + order[j]] : g[i * m + j];
  return out;
}

export const MANTEL_PERMUTATIONS = 999;

/**
 * A Mantel test: how often relabelling the anchors of one side at random (which breaks any token-to-token
 * correspondence, as independent training would) correlates as well as the real labels. The p-value
 * (1 + as good) / (1 + permutations) is exact under that null whatever the weights' distribution.
 */
function mantel(ga: Float64Array, gb: Float64Array, m: number): { r: number; p: number } {
  const x = upper(ga, m);
  const r = pearson(x, upper(gb, m));
  const rng = seededRng(0x6d616e74);
  let asGood = 0;
  for (let t = 0; t < MANTEL_PERMUTATIONS; t++) {
    const order = rng.shuffle(Array.from({ length: m }, (_, i) => i));
    if (pearson(x, upper(gb, m, order)) >= r) asGood++;
  }
  return { r, p: (1 + asGood) / (1 + MANTEL_PERMUTATIONS) };
}

function subLogits(logits: readonly number[], n: number, idx: readonly number[]): Float64Array {
  const out = new Float64Array(idx.length * idx.length);
  idx.forEach((i, r) => idx.forEach((j, c) => void (out[r * idx.length + c] = logits[i * n + j])));
  return out;
}

function bestMatches(from: Float64Array[], to: Float64Array[]): number {
  return from.reduce((sum, x) => sum + Math.max(...to.map((y) => pearson(x, y))), 0) / from.length;
}

/** Compares two fingerprints: the embedding geometry and, layer by layer at the same depth, the attention invariants. */
export function compareFingerprints(
  a: WeightFingerprint,
  b: WeightFingerprint,
  procrustesCosine?: number,
  notes: string[] = [],
): WeightEvidence {
  const inB = new Set(b.embedding.anchors);
  const embeddingKeys = a.embedding.anchors.filter((key) => inB.has(key));
  const components: WeightEvidence['components'] = {};
  const pValues: WeightEvidence['pValues'] = {};
  if (embeddingKeys.length >= MIN_EMBEDDING_ANCHORS) {
    const { r, p } = mantel(subGram(a, embeddingKeys), subGram(b, embeddingKeys), embeddingKeys.length);
    components.embeddingGeometry = r;
    pValues.embeddingGeometry = p;
  } else notes.push(`only ${embeddingKeys.length} anchor tokens in common: embedding geometry not compared`);
  if (procrustesCosine !== undefined) components.embeddingProcrustes = procrustesCosine;

  const layerB = new Set(b.layerAnchors);
  const layerKeys = a.layerAnchors.filter((key) => layerB.has(key));
  const layers: LayerEvidence[] = [];
  if (layerKeys.length >= MIN_LAYER_ANCHORS) {
    const idxA = layerKeys.map((key) => a.layerAnchors.indexOf(key));
    const idxB = layerKeys.map((key) => b.layerAnchors.indexOf(key));
    const byIndex = new Map(b.layers.map((layer) => [layer.layer, layer]));
    for (const layerA of a.layers) {
      const layerB = byIndex.get(layerA.layer);
      if (!layerB) continue;
      const ha = layerA.heads.map((h) => subLogits(h.logits, a.layerAnchors.length, idxA));
      const hb = layerB.heads.map((h) => subLogits(h.logits, b.layerAnchors.length, idxB));
      layers.push({
        layer: layerA.layer,
        // a side holding fewer heads (a stored fingerprint samples some) is matched into the other; equal sides both ways
        correlation:
          ha.length === hb.length
            ? (bestMatches(ha, hb) + bestMatches(hb, ha)) / 2
            : ha.length < hb.length
              ? bestMatches(ha, hb)
              : bestMatches(hb, ha),
        heads: Math.min(ha.length, hb.length),
      });
    }
    if (layers.length) components.layerInvariants = median(layers.map((l) => l.correlation));
    else notes.push('no layer at the same depth in both: layer invariants not compared');
  } else notes.push(`only ${layerKeys.length} layer anchors in common: layer invariants not compared`);

  const values = Object.values(components).filter((x): x is number => Number.isFinite(x));
  const score = values.length ? values.reduce((s, x) => s + x, 0) / values.length : 0;
  return {
    verdict: score >= SAME_LINEAGE_THRESHOLD ? 'same-lineage' : 'independent',
    score,
    threshold: SAME_LINEAGE_THRESHOLD,
    components,
    pValues,
    sharedAnchors: { embedding: embeddingKeys.length, layers: layerKeys.length },
    layers,
    notes,
  };
}

function centred(rows: Float32Array[], mean: Float64Array): Float64Array {
  const h = mean.length;
  const out = new Float64Array(rows.length * h);
  rows.forEach((row, r) => {
    for (let i = 0; i < h; i++) out[r * h + i] = row[i] - mean[i];
  });
  return out;
}

/**
 * Held-out cosine after orthogonal Procrustes on shared embedding rows: fitted on `fit` rows, scored on the next
 * HELD_OUT_ROWS, so an unrelated pair cannot score by the fit alone.
 */
async function procrustesCosine(
  a: Checkpoint,
  b: Checkpoint,
  keys: readonly string[],
  idsA: ReadonlyMap<string, number>,
  idsB: ReadonlyMap<string, number>,
) {
  const h = a.embedding.cols;
  const fit = Math.min(keys.length - HELD_OUT_ROWS, 2 * h);
  if (fit < h) return undefined;
  const chosen = keys.slice(0, fit + HELD_OUT_ROWS);
  const [rowsA, rowsB] = await Promise.all([
    readRows(
      a.embedding,
      chosen.map((k) => idsA.get(k)!),
    ),
    readRows(
      b.embedding,
      chosen.map((k) => idsB.get(k)!),
    ),
  ]);
  const mean = (rows: Float32Array[]) => {
    const m = new Float64Array(h);
    for (const row of rows.slice(0, fit)) for (let i = 0; i < h; i++) m[i] += row[i] / fit;
    return m;
  };
  const xa = centred(rowsA, mean(rowsA));
  const xb = centred(rowsB, mean(rowsB));
  const r = procrustes(xa.subarray(0, fit * h), xb.subarray(0, fit * h), fit, h);
  if (!r) return undefined;
  let total = 0;
  for (let row = fit; row < chosen.length; row++) {
    let dotAB = 0;
    let normA = 0;
    let normB = 0;
    for (let j = 0; j < h; j++) {
      let mapped = 0;
      for (let i = 0; i < h; i++) mapped += xa[row * h + i] * r[i * h + j];
      dotAB += mapped * xb[row * h + j];
      normA += mapped * mapped;
      normB += xb[row * h + j] ** 2;
    }
    total += dotAB / Math.sqrt(normA * normB || 1);
  }
  return total / HELD_OUT_ROWS;
}

/**
 * Weight lineage of two checkpoints: anchors are tokens both vocabularies hold (matched by key, so appended rows
 * and reordered ids do not matter), both fingerprints are taken on them, and the embeddings are also aligned by
 * Procrustes when the hidden sizes agree and are small enough.
 */
export async function compareCheckpoints(
  a: Checkpoint,
  b: Checkpoint,
  keysA: VocabularyKeys,
  keysB: VocabularyKeys,
): Promise<WeightEvidence> {
  const idsA = keyIds(keysA, a.embedding.rows);
  const idsB = keyIds(keysB, b.embedding.rows);
  const shared = sharedKeysInOrder(idsA, idsB);
  const [fa, fb] = await Promise.all([
    weightFingerprint(a, { anchorKeys: shared, ids: idsA }),
    weightFingerprint(b, { anchorKeys: shared, ids: idsB }),
  ]);
  const notes: string[] = [];
  let cosine: number | undefined;
  if (a.embedding.cols !== b.embedding.cols)
    notes.push(`hidden sizes differ (${a.embedding.cols}, ${b.embedding.cols}): no Procrustes alignment`);
  else if (a.embedding.cols > MAX_PROCRUSTES_HIDDEN)
    notes.push(`hidden size ${a.embedding.cols} is above ${MAX_PROCRUSTES_HIDDEN}: no Procrustes alignment`);
  else {
    cosine = await procrustesCosine(a, b, shared, idsA, idsB);
    if (cosine === undefined) notes.push('too few shared tokens for a Procrustes fit');
  }
  return compareFingerprints(fa, fb, cosine, notes);
}
