import ort from 'onnxruntime-node';
import type { CountSignature } from '../../signatures/observations.js';
import type { SignatureGroup } from '../hypotheses.js';
import { emptyScores, normaliseSet, unknownLikelihood, type BatchScores } from './batch-scores.js';
import { kernelLikelihoods } from './posterior-kernel.js';
import { OFFSET_SPAN, OFFSETS, scoreGraph } from './score-graph.js';

/** (set, group) pairs per graph run: bounds the [pairs, K, 7, K] intermediates to a few MB each. */
export const PAIRS_PER_RUN = 4096;

/** The index compiled for the graph: group-major counts over every probe. */
export function compileCounts(groups: readonly SignatureGroup[]): { counts: Float32Array; probes: number } {
  const probes = groups[0]?.counts.length ?? 0;
  const counts = new Float32Array(groups.length * probes);
  groups.forEach((group, m) => counts.set(group.counts, m * probes));
  return { counts, probes };
}

export class OnnxScorer {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly groups: readonly SignatureGroup[],
  ) {}

  static async create(groups: readonly SignatureGroup[]): Promise<OnnxScorer> {
    const { counts, probes } = compileCounts(groups);
    const model = scoreGraph(counts, groups.length, probes);
    const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all' });
    return new OnnxScorer(session, groups);
  }

  async score(signatures: readonly CountSignature[]): Promise<BatchScores> {
    const M = this.groups.length;
    const scores = emptyScores(signatures.length, M);
    const chunk = Math.min(M, PAIRS_PER_RUN);
    const setsPerRun = Math.max(1, Math.floor(PAIRS_PER_RUN / Math.max(1, chunk)));
    for (let first = 0; first < signatures.length; first += setsPerRun) {
      const batch = signatures.slice(first, first + setsPerRun);
      const feeds = batchFeeds(batch);
      const K = feeds.K;
      const lowest = batch.map((s) => new Float64Array(s.packs.length).fill(Infinity));
      const highest = batch.map((s) => new Float64Array(s.packs.length).fill(-Infinity));
      for (let start = 0; start < M; start += chunk) {
        const end = Math.min(M, start + chunk);
        const G = end - start;
        const out = await this.session.run({
          ...feeds.tensors,
          starts: new ort.Tensor('int64', BigInt64Array.of(BigInt(start)), [1]),
          ends: new ort.Tensor('int64', BigInt64Array.of(BigInt(end)), [1]),
        });
        const predicted = out.predicted.data as Float64Array;
        const matchL = out.matchL.data as Float64Array;
        const best = out.best.data as BigInt64Array;
        batch.forEach((signature, b) => {
          const n = first + b;
          const derivedL = derivedLikelihoods(signature, predicted, b, G, K);
          for (let m = 0; m < G; m++) {
            const pair = b * G + m;
            const row = pair * K;
            for (let k = 0; k < signature.packs.length; k++) {
              const p = predicted[row + k];
              if (p < lowest[b][k]) lowest[b][k] = p;
              if (p > highest[b][k]) highest[b][k] = p;
            }
            const flat = Number(best[pair]);
            const proposer = Math.floor(flat / OFFSETS);
            const i = n * M + start + m;
            scores.match[i] = matchL[pair];
            scores.derived[i] = derivedL[m];
            scores.offset[i] =
              signature.observed[proposer] - predicted[row + proposer] + (flat % OFFSETS) - OFFSET_SPAN;
          }
        });
      }
      batch.forEach((signature, b) =>
        normaliseSet(scores, first + b, signature, this.groups, unknownLikelihood(signature, lowest[b], highest[b])),
      );
    }
    return scores;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The derived likelihoods of set b against the G groups of a run, from the graph's predicted totals [B,G,K]. */
function derivedLikelihoods(
  signature: CountSignature,
  predicted: Float64Array,
  b: number,
  G: number,
  K: number,
): Float64Array {
  const packs = signature.packs.length;
  const totals = new Float64Array(packs * G);
  for (let m = 0; m < G; m++) for (let k = 0; k < packs; k++) totals[k * G + m] = predicted[(b * G + m) * K + k];
  return kernelLikelihoods(
    signature,
    totals,
    G,
    Array.from({ length: G }, (_, m) => m),
  ).derived;
}

/** Packs as 0/1 rows over the probes the batch uses, padded to its longest set. */
export function batchFeeds(batch: readonly CountSignature[]) {
  const K = Math.max(1, ...batch.map((s) => s.packs.length));
  const usedIds = [...new Set(batch.flatMap((s) => s.packs.flat()))].sort((a, b) => a - b);
  const U = Math.max(1, usedIds.length);
  const column = new Map(usedIds.map((p, u) => [p, u]));
  const B = batch.length;
  const packs = new Float32Array(B * K * U);
  const observed = new Float64Array(B * K);
  const valid = new Float64Array(B * K);
  batch.forEach((signature, b) => {
    signature.packs.forEach((pack, k) => {
      for (const p of pack) packs[(b * K + k) * U + column.get(p)!] += 1;
      observed[b * K + k] = signature.observed[k];
      valid[b * K + k] = 1;
    });
  });
  const used = BigInt64Array.from(usedIds.length ? usedIds.map(BigInt) : [0n]);
  return {
    K,
    tensors: {
      used: new ort.Tensor('int64', used, [U]),
      packs: new ort.Tensor('float32', packs, [B, K, U]),
      observed: new ort.Tensor('float64', observed, [B, K]),
      valid: new ort.Tensor('float64', valid, [B, K]),
    },
  };
}
