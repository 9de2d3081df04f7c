import { UserError } from '../../util/errors.js';
import { seededRng } from '../../util/rng.js';
import { gram, hsic, hsicTerms } from './cka.js';
import type { PooledStates } from './hidden-states.js';

/**
 * Mean debiased linear CKA over depth-aligned layers at or above which two models are called the same
 * lineage. On the lineage bench's tiny transformers (three seeded bases) every derived copy scores 0.63 or
 * more (the lowest: a rank-8 merge half the size of every matrix; dense noise of 10% 0.95, permuted or
 * rescaled units 1.0) and every independently initialised model 0.04 or less. Dense noise of 40% of each
 * tensor's size, far past a fine-tune, falls to 0.55. REEF separates derived from unrelated LLMs with the
 * same statistic, but no pair of trained LLMs calibrated this line: trained models that share nothing but
 * data may score higher than these random ones.
 */
export const SAME_LINEAGE_THRESHOLD = 0.6;
/** Fewer texts than this and debiased CKA is too noisy to judge. */
export const MIN_TEXTS = 32;
/** Text orders drawn for the permutation null; the smallest p-value is 1/(PERMUTATIONS+1). */
export const PERMUTATIONS = 199;

export type Verdict = 'same-lineage' | 'independent';

export interface LayerAgreement {
  /** Layer of A and of B (0 is the embedding output, N the output of block N). */
  a: number;
  b: number;
  cka: number;
  agrees: boolean;
}

export interface ActivationEvidence {
  verdict: Verdict;
  /** Mean CKA over the aligned layers past the embeddings. */
  score: number;
  threshold: number;
  /**
   * How often B's states, paired with A's for the wrong texts, score as high: a small value says the
   * agreement is not chance; it does not say lineage (unrelated trained models share input structure too).
   */
  pValue: number;
  method: 'linear-cka-debiased';
  pooling: 'mean-over-tokens';
  texts: number;
  models: { a: { layers: number; width: number }; b: { layers: number; width: number } };
  /** Each layer of A with the layer of B at the same relative depth. */
  layers: LayerAgreement[];
  /** Every layer of A against every layer of B, rows A, columns B (layer 0 first). */
  matrix: number[][];
}

/** The layer of B at the same relative depth as layer i of A (both counted from the embedding output). */
export function alignedLayer(i: number, layersA: number, layersB: number): number {
  if (layersA === 0) return 0;
  return Math.round((i * layersB) / layersA);
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export function compareActivations(a: PooledStates, b: PooledStates): ActivationEvidence {
  if (a.texts !== b.texts) throw new Error(`the two models read ${a.texts} and ${b.texts} texts`);
  const n = a.texts;
  if (n < MIN_TEXTS)
    throw new UserError(`activations need at least ${MIN_TEXTS} probe texts both models read, got ${n}`);
  const termsA = a.layers.map((layer) => hsicTerms(gram(layer.rows, n, layer.width), n));
  const termsB = b.layers.map((layer) => hsicTerms(gram(layer.rows, n, layer.width), n));
  const selfA = termsA.map((k) => hsic(k, k, n));
  const selfB = termsB.map((l) => hsic(l, l, n));
  // A layer that does not vary, or overflowed to NaN, compares as unrelated rather than poisoning the mean.
  const cka = (i: number, j: number, order?: readonly number[]) => {
    const value = hsic(termsA[i], termsB[j], n, order) / Math.sqrt(selfA[i] * selfB[j]);
    return Number.isFinite(value) ? value : 0;
  };
  const matrix = termsA.map((_, i) => termsB.map((_, j) => round(cka(i, j))));
  const depthA = a.layers.length - 1;
  const depthB = b.layers.length - 1;
  const layers = a.layers.map((_, i) => {
    const j = alignedLayer(i, depthA, depthB);
    const value = matrix[i][j];
    return { a: i, b: j, cka: value, agrees: value >= SAME_LINEAGE_THRESHOLD };
  });
  const scored = layers.length > 1 ? layers.slice(1) : layers;
  const meanCka = (order?: readonly number[]) =>
    scored.reduce((sum, layer) => sum + (order ? cka(layer.a, layer.b, order) : layer.cka), 0) / scored.length;
  const score = round(meanCka());
  const rng = seededRng(n);
  const order = Array.from({ length: n }, (_, i) => i);
  let asHigh = 0;
  for (let p = 0; p < PERMUTATIONS; p++) if (round(meanCka(rng.shuffle(order))) >= score) asHigh++;
  return {
    verdict: score >= SAME_LINEAGE_THRESHOLD ? 'same-lineage' : 'independent',
    score,
    threshold: SAME_LINEAGE_THRESHOLD,
    pValue: round((asHigh + 1) / (PERMUTATIONS + 1)),
    method: 'linear-cka-debiased',
    pooling: 'mean-over-tokens',
    texts: n,
    models: {
      a: { layers: depthA, width: a.layers[depthA].width },
      b: { layers: depthB, width: b.layers[depthB].width },
    },
    layers,
    matrix,
  };
}
