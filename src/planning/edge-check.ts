import type { SignatureGroup } from '../scoring/hypotheses.js';
import type { GroupScore, Posterior } from '../scoring/posterior.js';
import type { CountIndex } from '../signatures/count-index.js';
import { packTotal } from '../signatures/observations.js';
import type { Rng } from '../util/rng.js';
import { EDGE_PACK_TOKENS, planEdgePack } from './edge-pack.js';
import { packBoundsUnderNoise } from './noise-packs.js';
import type { PlannedRequest, SentRequest } from './requests.js';

/** How far one hypothesis must lead before its vocabulary's edges are checked. */
const EDGE_CHECK_LEAD = 0.5;
/**
 * An edge check that strayed this little from the leader is checked again (seam noise and a small change
 * both explain it); one that strayed further already shows a change, and the requests left go to telling
 * the candidates apart.
 */
export const SECOND_EDGE_STRAY = 2;

/**
 * Once one hypothesis leads, one request checks it where a derived copy would differ, before a match is
 * called; a second one when the first strayed from the leader by a token or two (SECOND_EDGE_STRAY),
 * which seam noise and a small change both explain.
 */
export function edgeCheckDue(post: Posterior, sent: readonly SentRequest[]): boolean {
  const leader = leading(post);
  if (sent.length < 2 || !leader || leader.match + leader.derived < EDGE_CHECK_LEAD) return false;
  const edges = edgeChecksOfLeader(post, sent);
  if (!edges.length) return true;
  const strayed = Math.abs(leader.deviations[edges[0]]);
  return edges.length < 2 && strayed > 0 && strayed <= SECOND_EDGE_STRAY;
}

/**
 * Which requests were edge checks of the current leader (a record that names no class counts for any). While
 * the leader leads as changed rather than as matched, an edge check planned for another class counts too
 * when it strayed from the leader's prediction (its change is already seen, and the requests left go to
 * telling the changed candidates apart); one that landed on it tested none of the leader's edges, so the
 * leader's own is still due: without it a changed copy of the leader cannot be told from a tokenizer outside
 * the index.
 */
export function edgeChecksOfLeader(post: Posterior, sent: readonly SentRequest[]): number[] {
  const leader = leading(post);
  const id = leader?.group.references[0];
  const changed = leader !== undefined && leader.derived > leader.match;
  return sent.flatMap((r, k) =>
    r.stratum === 'edge' &&
    (id === undefined ||
      r.tested === undefined ||
      r.tested === id ||
      (changed && Math.abs(leader.deviations[k] ?? 0) > SECOND_EDGE_STRAY))
      ? [k]
      : [],
  );
}

/**
 * Whether some edge check was planned for the leader's own family (any of its classes; a record that names no class
 * counts for any). One planned for another family strays from every class it was not built for, so a change seen
 * through such checks alone may be a tokenizer outside the index.
 */
export function ownFamilyEdge(post: Posterior, sent: readonly SentRequest[]): boolean {
  return ownFamilyCheck(post, sent, ['edge']);
}

/**
 * Whether the leader's family was checked where a change of it shows (its own edges) or where a copy of it still fits
 * (its core): a change named from stratum packs alone is a tokenizer outside the index as often as not.
 */
export function changeChecked(post: Posterior, sent: readonly SentRequest[]): boolean {
  return ownFamilyCheck(post, sent, ['edge', 'core']);
}

function ownFamilyCheck(post: Posterior, sent: readonly SentRequest[], kinds: readonly string[]): boolean {
  const leader = leading(post);
  if (!leader) return false;
  const family = new Map(post.groups.flatMap((g) => g.group.references.map((id) => [id, g.group.family] as const)));
  return sent.some(
    (r) => kinds.includes(r.stratum) && (r.tested === undefined || family.get(r.tested) === leader.group.family),
  );
}

/**
 * How an edge check grows per token of measured spread: in tokens, and in what each kind of change should move it by.
 * The hidden part moves a request by the same few tokens however large it is, while a change moves an edge check by
 * what the check holds of it: at the stratum packs' growth (1/8) and the usual cover, an extension of Latin words or
 * Cyrillic moved the check by 2-4 tokens, within a spread of +-2 to +-5. At these, the noise bench's runs behind a
 * request id ended with the right status 84 times of 90 (81 before), behind notes of +-5 tokens 81 times (79), for
 * about 100 more prompt tokens at the median.
 */
export const EDGE_UNDER_NOISE = { growthPerToken: 1 / 4, coverPerToken: 1 / 2 };

/** The request that checks the leader's vocabulary edges, or none when no probe is left for it. */
export function planEdgeCheck(
  post: Posterior,
  groups: readonly SignatureGroup[],
  index: CountIndex,
  used: Set<number>,
  rng: Rng,
  /** Tokens identical requests' counts move either side, once measured. */
  spread = 0,
): PlannedRequest | undefined {
  const size = packBoundsUnderNoise(EDGE_PACK_TOKENS, spread, EDGE_UNDER_NOISE.growthPerToken);
  const pack = planEdgePack({
    coverScale: 1 + EDGE_UNDER_NOISE.coverPerToken * spread,
    post,
    groups,
    index,
    used,
    rng,
    minTokens: size.minTokens,
    maxTokens: size.maxTokens,
    margin: size.margin,
  });
  if (!pack.length) return undefined;
  const predicted = groups.map((g) => packTotal(g.counts, pack));
  return { stratum: 'edge', pack, gain: 0, cost: Math.max(...predicted), tested: leading(post)?.group.references[0] };
}

/** The group holding the most mass, matched or derived (the first among equals), as the edge pack picks it. */
function leading(post: Posterior): GroupScore | undefined {
  const weights = post.groups.map((g) => g.match + g.derived);
  return post.groups[weights.indexOf(Math.max(...weights))];
}
