import type { Rng } from '../util/rng.js';
import { PairSeparation } from './pair-separation.js';

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
  const { candidates, rng } = input;
  const n = candidates.length;
  const pairs = new PairSeparation(candidates.map((c) => Math.max(c.weight, WEIGHT_FLOOR)), input.margin);
  const pool = [...input.allowed];
  const chosen: number[] = [];
  // Candidates' counts probe by probe (entry p * n + g), each probe's cost (its largest count, at least 1) and spread.
  const probes = pool.reduce((max, p) => Math.max(max, p + 1), 0);
  const byProbe = new Float64Array(probes * n);
  const costs = new Float64Array(probes);
  const spreads = new Float64Array(probes);
  for (const p of pool) {
    let max = 1;
    let low = Infinity;
    let high = -Infinity;
    for (let g = 0; g < n; g++) {
      const c = candidates[g].counts[p];
      byProbe[p * n + g] = c;
      if (c > max) max = c;
      if (c < low) low = c;
      if (c > high) high = c;
    }
    costs[p] = max;
    spreads[p] = n > 0 ? high - low : 0;
  }
  let size = 0;
  const take = (p: number) => {
    chosen.push(p);
    pool.splice(pool.indexOf(p), 1);
    pairs.add(byProbe, p * n);
    size += costs[p];
  };

  const target = pairs.target();
  let current = pairs.with(new Float64Array(n));
  while (pool.length && size < input.maxTokens && current < target - 1e-12) {
    const sample = pool.length <= SAMPLE ? pool : rng.shuffle([...pool]).slice(0, SAMPLE);
    const best = bestProbe(sample, pairs, byProbe, costs, spreads, current, input.maxTokens - size);
    if (!best) break;
    take(best.p);
    current += best.gain;
  }
  for (const p of coverageOrder(pool, input.labels, input.priority, rng)) {
    if (size >= input.minTokens) break;
    if (size + costs[p] > input.maxTokens) continue;
    take(p);
  }
  return chosen;
}

/**
 * The sampled probe with the highest gain in separation per token (a gain above 1e-12 and within the
 * tokens left), the earliest in the sample among equals. The full sum in pair order decides; it is
 * taken only for probes whose gain (summed over the pairs they can move, plus a rounding margin) can
 * still reach the best value found, which chooses exactly what summing every probe would.
 */
function bestProbe(sample: readonly number[], pairs: PairSeparation, byProbe: Float64Array, costs: Float64Array, spreads: Float64Array, current: number, tokensLeft: number) {
  const slack = pairs.roundingSlack(current);
  const n = pairs.candidates;
  // a plain loop: Int32Array.from with a map function took as long as the gains themselves
  const at = new Int32Array(sample.length);
  for (let s = 0; s < sample.length; s++) at[s] = sample[s] * n;
  const open = new Float64Array(sample.length);
  pairs.openGains(byProbe, at, open);
  let best: { p: number; value: number; gain: number } | undefined;
  for (let s = 0; s < sample.length; s++) {
    const p = sample[s];
    const cost = costs[p];
    if (cost > tokensLeft || hopeless(open[s] + slack, cost, best?.value)) continue;
    if (hopeless(open[s] + pairs.losses(byProbe, at[s], spreads[p]) + slack, cost, best?.value)) continue;
    const gain = pairs.with(byProbe, at[s]) - current;
    const value = gain / cost;
    if (gain > 1e-12 && (!best || value > best.value)) best = { p, value, gain };
  }
  return best;
}

/** A probe whose gain is at most `most` gains nothing (1e-12 or less) or cannot reach the best value so far. */
function hopeless(most: number, cost: number, bestValue: number | undefined): boolean {
  return most <= 1e-12 || (bestValue !== undefined && most / cost < bestValue);
}

/** Remaining probes in round-robin over their labels, each label's probes by priority, ties in random order. */
function coverageOrder(pool: readonly number[], labels: readonly string[] | undefined, priority: ArrayLike<number> | undefined, rng: Rng): number[] {
  const ranked = (probes: number[]) => {
    const shuffled = rng.shuffle(probes);
    return priority ? shuffled.sort((a, b) => priority[b] - priority[a]) : shuffled;
  };
  if (!labels) return ranked([...pool]);
  const byLabel = new Map<string, number[]>();
  for (const p of pool) {
    const queue = byLabel.get(labels[p]);
    if (queue) queue.push(p);
    else byLabel.set(labels[p], [p]);
  }
  const queues = [...byLabel.keys()].sort().map((label) => ranked(byLabel.get(label)!));
  const order: number[] = [];
  for (let round = 0; order.length < pool.length; round++) for (const queue of queues) if (round < queue.length) order.push(queue[round]);
  return order;
}
