import type { Rng } from '../util/rng.js';

/** A tokenizer hypothesis the next request should tell apart from the others, with its current weight. */
export interface DesignCandidate {
  counts: Int32Array;
  weight: number;
}

export interface PackDesignInput {
  candidates: readonly DesignCandidate[];
  /** Probe indices that may go into this pack (the stratum's, not yet sent). */
  allowed: readonly number[];
  /** Stop adding probes once the largest predicted pack reaches this many tokens. */
  maxTokens: number;
  /** Keep adding probes for coverage until the pack is this large, even once every pair is apart. */
  minTokens: number;
  /** Predicted totals closer than this are not counted as apart: two seams may each move a token. */
  margin: number;
  /** A label per probe index (its category); coverage probes are drawn evenly across labels. */
  labels?: readonly string[];
  /** Coverage preference per probe index (higher first within its label), e.g. how much it tests the leader's vocabulary. */
  priority?: ArrayLike<number>;
  rng: Rng;
}

/** Even unlikely hypotheses keep a little weight, so a pack never lets two of them coincide for free. */
const WEIGHT_FLOOR = 0.002;
const SAMPLE = 300;

/**
 * Chooses probes for one request so that the candidates' predicted totals differ pairwise by at least
 * the margin, weighting pairs by how likely both are and preferring cheap probes; then adds random
 * probes from the same stratum for coverage, which is what exposes a changed or unindexed vocabulary.
 */
export function designPack(input: PackDesignInput): number[] {
  const { candidates, margin, rng } = input;
  const n = candidates.length;
  const weights = candidates.map((c) => Math.max(c.weight, WEIGHT_FLOOR));
  const pairs: [number, number, number][] = [];
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) pairs.push([a, b, weights[a] * weights[b]]);
  const sums = new Float64Array(n);
  const pool = [...input.allowed];
  const chosen: number[] = [];
  const costs = new Map<number, number>();
  for (const p of pool) {
    let max = 1;
    for (const c of candidates) if (c.counts[p] > max) max = c.counts[p];
    costs.set(p, max);
  }
  const cost = (p: number) => costs.get(p)!;
  let size = 0;

  const separation = (extra: number | undefined) => {
    let total = 0;
    for (const [a, b, w] of pairs) {
      const gap = Math.abs(sums[a] - sums[b] + (extra === undefined ? 0 : candidates[a].counts[extra] - candidates[b].counts[extra]));
      total += w * Math.min(gap, margin);
    }
    return total;
  };
  const target = pairs.reduce((sum, [, , w]) => sum + w * margin, 0);
  const take = (p: number) => {
    chosen.push(p);
    pool.splice(pool.indexOf(p), 1);
    for (let g = 0; g < n; g++) sums[g] += candidates[g].counts[p];
    size += cost(p);
  };

  let current = separation(undefined);
  while (pool.length && size < input.maxTokens && current < target - 1e-12) {
    const sample = pool.length <= SAMPLE ? pool : rng.shuffle([...pool]).slice(0, SAMPLE);
    let best: { p: number; value: number; gain: number } | undefined;
    for (const p of sample) {
      if (size + cost(p) > input.maxTokens) continue;
      const gain = separation(p) - current;
      const value = gain / cost(p);
      if (gain > 1e-12 && (!best || value > best.value)) best = { p, value, gain };
    }
    if (!best) break;
    take(best.p);
    current += best.gain;
  }
  for (const p of coverageOrder(pool, input.labels, input.priority, rng)) {
    if (size >= input.minTokens) break;
    if (size + cost(p) > input.maxTokens) continue;
    take(p);
  }
  return chosen;
}

/** Remaining probes in round-robin over their labels, each label's probes by priority, ties in random order. */
function coverageOrder(pool: readonly number[], labels: readonly string[] | undefined, priority: ArrayLike<number> | undefined, rng: Rng): number[] {
  const ranked = (probes: number[]) => {
    const shuffled = rng.shuffle(probes);
    return priority ? shuffled.sort((a, b) => priority[b] - priority[a]) : shuffled;
  };
  if (!labels) return ranked([...pool]);
  const byLabel = new Map<string, number[]>();
  for (const p of pool) byLabel.set(labels[p], [...(byLabel.get(labels[p]) ?? []), p]);
  const queues = [...byLabel.keys()].sort().map((label) => ranked(byLabel.get(label)!));
  const order: number[] = [];
  for (let round = 0; order.length < pool.length; round++) for (const queue of queues) if (round < queue.length) order.push(queue[round]);
  return order;
}
