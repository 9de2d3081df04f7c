import type { SignatureGroup } from '../scoring/hypotheses.js';

/**
 * How sharply each probe tests the leading hypothesis's own vocabulary: probes it counts as far fewer
 * tokens than the others (its long tokens, which removed merges break) or far more (text an added
 * vocabulary would shorten). Coverage prefers these, since a modified tokenizer differs there first.
 */
export function vocabularyEdge(groups: readonly SignatureGroup[], weights: readonly number[]): Float64Array {
  const leader = weights.indexOf(Math.max(...weights));
  const edge = new Float64Array(groups[0]?.counts.length ?? 0);
  if (leader < 0) return edge;
  const own = groups[leader].counts;
  for (let p = 0; p < edge.length; p++) {
    let spread = 0;
    for (const g of groups) spread += Math.abs(g.counts[p] - own[p]);
    edge[p] = Math.min(spread / Math.max(1, groups.length - 1), 4) / Math.sqrt(own[p]);
  }
  return edge;
}
