import type { SignatureGroup } from '../hypotheses.js';

/**
 * Groups gathered around leaders whose counts are close to theirs (a large index holds many light
 * variants of a few vocabularies), so that one bound can cover every member of a cluster. Clusters
 * only speed bounds up; any grouping gives the same posterior.
 */
export interface GroupClusters {
  /** Group indexes, cluster by cluster. */
  members: Int32Array;
  /** Cluster c holds members[starts[c]] ... members[starts[c + 1] - 1]. */
  starts: Int32Array;
  /** Sum of the members' prior weights. */
  weight: Float64Array;
}

/** A member's counts differ from its leader's by at most this share of the leader's total, summed over probes. */
export const CLUSTER_RADIUS = 0.05;
/** Leaders compared against at most; later groups far from all of them stand alone. */
export const MAX_LEADERS = 256;
/** Probe sums compared first: their distance is at most the full one and rules most leaders out cheaply. */
const SKETCH = 16;

const cache = new WeakMap<readonly SignatureGroup[], GroupClusters>();

export function groupClusters(groups: readonly SignatureGroup[]): GroupClusters {
  let clusters = cache.get(groups);
  if (!clusters) cache.set(groups, (clusters = buildClusters(groups)));
  return clusters;
}

function buildClusters(groups: readonly SignatureGroup[]): GroupClusters {
  const M = groups.length;
  const P = groups[0]?.counts.length ?? 0;
  const sketches = new Float64Array(M * SKETCH);
  for (let m = 0; m < M; m++) {
    const counts = groups[m].counts;
    for (let p = 0; p < P; p++) sketches[m * SKETCH + (p % SKETCH)] += counts[p];
  }
  const leaders: number[] = [];
  const radius: number[] = [];
  const clusterOf = new Int32Array(M);
  let clusters = 0;
  for (let m = 0; m < M; m++) {
    let found = -1;
    for (let l = 0; l < leaders.length && found < 0; l++) {
      const leader = leaders[l];
      if (sketchDistance(sketches, m, leader, radius[l]) > radius[l]) continue;
      if (countDistance(groups[m].counts, groups[leader].counts, radius[l]) <= radius[l]) found = l;
    }
    if (found >= 0) {
      clusterOf[m] = found;
      continue;
    }
    clusterOf[m] = clusters++;
    if (leaders.length < MAX_LEADERS) {
      leaders.push(m);
      let total = 0;
      for (let k = 0; k < SKETCH; k++) total += sketches[m * SKETCH + k];
      radius.push(CLUSTER_RADIUS * total);
    }
  }
  const starts = new Int32Array(clusters + 1);
  for (let m = 0; m < M; m++) starts[clusterOf[m] + 1]++;
  for (let c = 0; c < clusters; c++) starts[c + 1] += starts[c];
  const fill = starts.slice(0, clusters);
  const members = new Int32Array(M);
  const weight = new Float64Array(clusters);
  for (let m = 0; m < M; m++) {
    const c = clusterOf[m];
    members[fill[c]++] = m;
    weight[c] += groups[m].weight;
  }
  return { members, starts, weight };
}

function sketchDistance(sketches: Float64Array, a: number, b: number, limit: number): number {
  let sum = 0;
  for (let k = 0; k < SKETCH && sum <= limit; k++) sum += Math.abs(sketches[a * SKETCH + k] - sketches[b * SKETCH + k]);
  return sum;
}

function countDistance(a: Int32Array, b: Int32Array, limit: number): number {
  let sum = 0;
  for (let p = 0; p < a.length && sum <= limit; p++) sum += Math.abs(a[p] - b[p]);
  return sum;
}
