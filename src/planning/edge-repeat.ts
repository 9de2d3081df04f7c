import type { SignatureGroup } from '../scoring/hypotheses.js';
import { edgeStray } from '../scoring/noise-verdict.js';
import type { Posterior } from '../scoring/posterior.js';
import { rankedGroups } from '../scoring/verdict.js';
import type { CountIndex } from '../signatures/count-index.js';
import { packTotal } from '../signatures/observations.js';
import { edgeChecksOfLeader } from './edge-check.js';
import type { PlannedRequest, SentRequest } from './requests.js';

/**
 * Under a measured spread one stray edge check does not settle a change: the hidden part now and then jumps by
 * as much as a changed vocabulary moves a pack. The same probes asked again (in reverse order, so no cache answers
 * for the target) tell them apart: a changed vocabulary strays the same way twice, a jump rarely comes twice.
 */

/**
 * The leader's one edge check asked again, when the leader leans to changed or that check strayed past all the
 * noise reaches; none once it was asked twice.
 */
export function planEdgeRepeat(
  post: Posterior,
  sent: readonly (SentRequest & { probes: readonly string[]; seq?: number })[],
  moves: readonly number[],
  groups: readonly SignatureGroup[],
  index: CountIndex,
  /** Count requests (seq) already asked again as a check of their stray: asked twice, as this would. */
  strayChecked: readonly number[] = [],
): PlannedRequest | undefined {
  const leader = rankedGroups(post)[0];
  const edges = edgeChecksOfLeader(post, sent);
  if (!leader || edges.length !== 1) return undefined;
  const checked = sent[edges[0]];
  if (checked.seq !== undefined && strayChecked.includes(checked.seq)) return undefined;
  const key = [...checked.probes].sort().join('\n');
  const asked = sent.filter((r) => r.stratum === 'edge' && [...r.probes].sort().join('\n') === key).length;
  if (asked > 1) return undefined;
  const strayed = edgeStray(leader, sent, moves).stray > 0;
  if (!strayed && leader.derived <= leader.match) return undefined;
  const position = new Map(index.probes.map((p, i) => [p.id, i]));
  const pack = [...checked.probes].reverse().map((id) => position.get(id));
  if (pack.some((p) => p === undefined)) return undefined;
  const probes = pack as number[];
  const predicted = groups.map((g) => packTotal(g.counts, probes));
  return {
    stratum: 'edge',
    pack: probes,
    gain: 0,
    cost: Math.max(...predicted),
    // past any cached answer: an answer cache holding this order (from another run) would replay it
    fresh: true,
    ...(checked.tested ? { tested: checked.tested } : {}),
  };
}
