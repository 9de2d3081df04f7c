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
  /** The probes that keep the candidates apart, when already designed (see separatingProbes): the greedy rounds are skipped. */
  separating?: readonly number[];
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
  const weights = candidates.map((c) => Math.max(c.weight, WEIGHT_FLOOR));
  const pairs = new PairSeparation(weights, input.margin);
  const clusters = new OpenClusters(weights, input.margin);
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
    clusters.add(byProbe, p * n);
    size += costs[p];
  };

  const target = pairs.target();
  const shuffled: number[] = [];
  let current = pairs.with(new Float64Array(n));
  for (const p of input.separating ?? []) take(p);
  while (!input.separating && pool.length && size < input.maxTokens && current < target - 1e-12) {
    const sample = pool.length <= SAMPLE ? pool : rng.shuffle(copyInto(shuffled, pool)).slice(0, SAMPLE);
    const best = bestProbe(sample, pairs, clusters, byProbe, costs, spreads, current, input.maxTokens - size);
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

/** Whether designPack's greedy rounds weigh random samples of this many allowed probes; if not, its choice does not depend on the seed. */
export function samplesFrom(allowed: number): boolean {
  return allowed > SAMPLE;
}

/** Only the probes designPack chooses to keep the candidates apart, before any for coverage. */
export function separatingProbes(
  input: Omit<PackDesignInput, 'minTokens' | 'labels' | 'priority' | 'separating'>,
): number[] {
  return designPack({ ...input, minTokens: 0 });
}

/**
 * The sampled probe with the highest gain in separation per token (a gain above 1e-12 and within the
 * tokens left), the earliest in the sample among equals. The full sum in pair order decides; it is
 * taken only for probes whose gain (summed over the pairs they can move, plus a rounding margin) can
 * still reach the best value found, which chooses exactly what summing every probe would.
 */
function bestProbe(
  sample: readonly number[],
  pairs: PairSeparation,
  clusters: OpenClusters,
  byProbe: Float64Array,
  costs: Float64Array,
  spreads: Float64Array,
  current: number,
  tokensLeft: number,
) {
  let slack = pairs.roundingSlack(current);
  const n = pairs.candidates;
  // a plain loop: Int32Array.from with a map function took as long as the gains themselves
  const at = new Int32Array(sample.length);
  for (let s = 0; s < sample.length; s++) at[s] = sample[s] * n;
  const open = new Float64Array(sample.length);
  if (clusters.prepare()) {
    for (let s = 0; s < sample.length; s++) open[s] = clusters.openGain(byProbe, at[s]);
    // summed in another order than openGains: each sum is within one slack of the other (see OpenClusters)
    slack *= 2;
  } else pairs.openGains(byProbe, at, open);
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

/**
 * PairSeparation.openGains by groups of candidates instead of pairs. A pair's gap is the difference of its
 * candidates' totals so far, so candidates with equal totals form a cluster, a pair is open (less than a
 * margin apart) when its clusters' totals are, and a probe's open gain is
 *   sum over open pairs of w_x w_y (min(|U_x - U_y|, margin) - |T_x - T_y|)   (T total, U total with the probe)
 * where candidates of one cluster that count the probe alike share U and sum their weights. While many
 * pairs are open (the first rounds, the costly ones) that is a few groups per probe instead of every pair.
 * Its rounding differs from the pairwise sum by less than PairSeparation.roundingSlack: with N candidates
 * and P = N(N-1)/2 pairs, each sum is within (2N + 2 + P) ulps of the target of the exact one, twice that
 * for the difference, while the slack is 4(P + 8) ulps of the target.
 */
class OpenClusters {
  private readonly n: number;
  private readonly totals: Float64Array;
  private readonly order: Int32Array;
  /** Per cluster (in order of totals): its total, first member in `order`, end of the clusters it is open to. */
  private readonly clusterTotal: Float64Array;
  private readonly clusterStart: Int32Array;
  private readonly linkEnd: Int32Array;
  private clusters = 0;
  /** The probe-independent part: sum over open pairs of w_x w_y |T_x - T_y|. */
  private spread = 0;
  /** Per probe: groups of a cluster's candidates with equal counts, laid out cluster by cluster. */
  private readonly groupTotal: Float64Array;
  private readonly groupWeight: Float64Array;
  private readonly groupStart: Int32Array;

  constructor(
    private readonly weights: readonly number[],
    private readonly margin: number,
  ) {
    const n = weights.length;
    this.n = n;
    this.totals = new Float64Array(n);
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    this.clusterTotal = new Float64Array(n);
    this.clusterStart = new Int32Array(n + 1);
    this.linkEnd = new Int32Array(n);
    this.groupTotal = new Float64Array(n);
    this.groupWeight = new Float64Array(n);
    this.groupStart = new Int32Array(n + 1);
  }

  add(counts: Float64Array, at: number): void {
    for (let x = 0; x < this.n; x++) this.totals[x] += counts[at + x];
  }

  /** Clusters for the current totals; false when pairs are too few (or none can be open) for this to pay. */
  prepare(): boolean {
    const { n, totals, order, clusterTotal, clusterStart, linkEnd, margin, weights } = this;
    if (!(margin > 0) || n < 3) return false;
    order.sort((a, b) => totals[a] - totals[b]);
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (i === 0 || totals[order[i]] !== clusterTotal[k - 1]) {
        clusterTotal[k] = totals[order[i]];
        clusterStart[k++] = i;
      }
    }
    clusterStart[k] = n;
    this.clusters = k;
    let openPairs = 0;
    let spread = 0;
    for (let c = 0, end = 0; c < k; c++) {
      if (end <= c) end = c + 1;
      while (end < k && clusterTotal[end] - clusterTotal[c] < margin) end++;
      linkEnd[c] = end;
      const size = clusterStart[c + 1] - clusterStart[c];
      openPairs += (size * (size - 1)) / 2 + size * (clusterStart[end] - clusterStart[c + 1]);
      let weight = 0;
      for (let i = clusterStart[c]; i < clusterStart[c + 1]; i++) weight += weights[order[i]];
      for (let d = c + 1; d < end; d++) {
        let other = 0;
        for (let i = clusterStart[d]; i < clusterStart[d + 1]; i++) other += weights[order[i]];
        spread += weight * other * (clusterTotal[d] - clusterTotal[c]);
      }
    }
    this.spread = spread;
    // pairwise costs a pass over the open pairs per probe, this one over the candidates and their groups
    return openPairs > 2 * n;
  }

  openGain(counts: Float64Array, at: number): number {
    const { order, clusterTotal, clusterStart, linkEnd, groupTotal, groupWeight, groupStart, weights, margin } = this;
    const k = this.clusters;
    let groups = 0;
    for (let c = 0; c < k; c++) {
      groupStart[c] = groups;
      for (let i = clusterStart[c]; i < clusterStart[c + 1]; i++) {
        const x = order[i];
        const total = clusterTotal[c] + counts[at + x];
        let g = groupStart[c];
        while (g < groups && groupTotal[g] !== total) g++;
        if (g === groups) {
          groupTotal[g] = total;
          groupWeight[g] = 0;
          groups++;
        }
        groupWeight[g] += weights[x];
      }
    }
    groupStart[k] = groups;
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const end = groupStart[linkEnd[c]];
      for (let g = groupStart[c]; g < groupStart[c + 1]; g++) {
        const total = groupTotal[g];
        let row = 0;
        for (let h = g + 1; h < end; h++) {
          const gap = Math.abs(total - groupTotal[h]);
          row += groupWeight[h] * Math.min(gap, margin);
        }
        sum += groupWeight[g] * row;
      }
    }
    return sum - this.spread;
  }
}

/** `into` made a copy of `from`, without a new array per round. */
function copyInto(into: number[], from: readonly number[]): number[] {
  into.length = from.length;
  for (let i = 0; i < from.length; i++) into[i] = from[i];
  return into;
}

/** A probe whose gain is at most `most` gains nothing (1e-12 or less) or cannot reach the best value so far. */
function hopeless(most: number, cost: number, bestValue: number | undefined): boolean {
  return most <= 1e-12 || (bestValue !== undefined && most / cost < bestValue);
}

/** Remaining probes in round-robin over their labels, each label's probes by priority, ties in random order. */
function coverageOrder(
  pool: readonly number[],
  labels: readonly string[] | undefined,
  priority: ArrayLike<number> | undefined,
  rng: Rng,
): number[] {
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
  for (let round = 0; order.length < pool.length; round++)
    for (const queue of queues) if (round < queue.length) order.push(queue[round]);
  return order;
}
