import { isDomainProbe } from '../probes/domain.js';
import { isNormalizationStable } from '../probes/normalization-stable.js';
import type { SignatureGroup } from '../scoring/hypotheses.js';
import type { GroupScore, Posterior } from '../scoring/posterior.js';
import type { CountIndex } from '../signatures/count-index.js';
import { packTotal } from '../signatures/observations.js';
import { REDUCTIONS } from '../signatures/probe-reductions.js';
import type { Rng } from '../util/rng.js';
import { packBoundsUnderNoise } from './noise-packs.js';
import { PACK_TOKENS } from './pack-size.js';
import type { PlannedRequest, SentRequest } from './requests.js';

/** Groups below this weight do not set a probe's cost: they are all but ruled out. */
const PLAUSIBLE = 0.001;
/** The least share of a stratum pack's size a core must fill to be asked. */
const MIN_CORE_SHARE = 0.25;
/** Tokens above the fewest of every other family a near-core probe may be counted in (see coreProbes). */
const NEAR_CORE = 1;

/**
 * Once the leader is seen changed (its edges checked, its exact fit gone) and `unknown` still holds some mass,
 * one request asks where a changed copy of the leader still counts exactly as the leader: text whose tokens none
 * of the usual changes touch (see planCoreCheck). A copy fits it to the token; a tokenizer outside the index,
 * which counted near the leader elsewhere by chance, strays there too. Asked once per leader.
 */
export function coreCheckDue(post: Posterior, sent: readonly SentRequest[], edgeChecked: boolean): boolean {
  const leader = leading(post);
  if (!leader || !edgeChecked || leader.derived <= leader.match) return false;
  const id = leader.group.references[0];
  return !sent.some((r) => r.stratum === 'core' && r.tested === id);
}

/**
 * The leader's core: probes it counts in the fewest tokens of every family (an extension from any indexed
 * family leaves them as they are), none of whose tokens a pruned or re-split copy changes (none of the last
 * DEEP_MERGES merges, no digit or punctuation run), no domain term, and text normalization leaves alone. Among those, the
 * ones the other indexed vocabularies count furthest above the leader go first, per token: there a vocabulary
 * the leader is not, indexed or not, counts differently.
 */
export function planCoreCheck(
  post: Posterior,
  groups: readonly SignatureGroup[],
  index: CountIndex,
  used: ReadonlySet<number>,
  rng: Rng,
  /** Tokens identical requests' counts move either side, once measured. */
  spread = 0,
): PlannedRequest | undefined {
  const leader = leading(post);
  if (!leader) return undefined;
  const own = leader.group;
  const weights = post.groups.map((s) => s.match + s.derived);
  const others = groups.filter((g) => g !== own);
  const plausible = groups.filter((g, i) => g !== own && weights[i] >= PLAUSIBLE);
  const size = packBoundsUnderNoise(PACK_TOKENS, spread);
  const scored: { p: number; near: boolean; worth: number; cost: number }[] = [];
  const { strict, near } = coreProbes(groups, own, index, size.minTokens * MIN_CORE_SHARE);
  const core = new Set(strict);
  const nearSet = new Set(near);
  for (const p of rng.shuffle([...Array(index.probes.length).keys()])) {
    if (used.has(p) || !(core.has(p) || nearSet.has(p))) continue;
    const count = own.counts[p];
    let above = 0;
    let cost = count;
    for (const g of others) above += Math.max(0, g.counts[p] - count);
    for (const g of plausible) if (g.counts[p] > cost) cost = g.counts[p];
    scored.push({ p, near: nearSet.has(p), worth: above / Math.max(1, others.length) / count, cost });
  }
  // the strict core first: a near probe is one an extension from the family a token short of it may touch
  scored.sort((a, b) => Number(a.near) - Number(b.near) || b.worth - a.worth);
  const pack: number[] = [];
  let total = 0;
  for (const { p, cost } of scored) {
    if (total + cost > size.maxTokens) continue;
    pack.push(p);
    total += cost;
    if (total >= size.minTokens) break;
  }
  // a core too small to stray by more than seam noise tells nothing: the request goes to the candidates instead
  if (total < size.minTokens * MIN_CORE_SHARE) return undefined;
  const predicted = groups.map((g) => packTotal(g.counts, pack));
  return { stratum: 'core', pack, gain: 0, cost: Math.max(...predicted), tested: own.references[0] };
}

/**
 * The probes a core of `own` may hold (see planCoreCheck), whether sent already or not: counted by it in the fewest
 * tokens of every family and by some other class in more, none of whose tokens a pruned or re-split copy changes,
 * no domain term, and text normalization leaves alone (`strict`). Where those hold fewer than `needed` tokens
 * (some vocabularies are beaten by a token somewhere on nearly every text), the probes it counts within one token
 * of the fewest are its core too (`near`): an extension from the family a token short moves each by one at the most,
 * where an unrelated tokenizer strays by a share of the pack. Without noise too: an edge check alone, built where an
 * extension counts fewer, is fitted as well by any larger vocabulary outside the index (MPT with its class left out,
 * GPT-NeoX's core ruled out, was read as `derived deepseek-llm` 0.988 from its edge check alone).
 */
function coreProbes(
  groups: readonly SignatureGroup[],
  own: SignatureGroup,
  index: CountIndex,
  needed: number,
): { strict: number[]; near: number[] } {
  const least = familyLeast(groups, own.family);
  const reductions = own.reductions;
  const strict: number[] = [];
  const near: number[] = [];
  let tokens = 0;
  for (let p = 0; p < index.probes.length; p++) {
    const probe = index.probes[p];
    if (isDomainProbe(probe) || !isNormalizationStable(probe.text)) continue;
    const count = own.counts[p];
    if (count < 1 || count > least[p] + NEAR_CORE) continue;
    if (reductions && (REDUCTIONS.some((r) => reductions[r][p] > 0) || reductions.deep[p] > 0)) continue;
    if (!groups.some((g) => g !== own && g.counts[p] > count)) continue;
    if (count <= least[p]) {
      strict.push(p);
      tokens += count;
    } else near.push(p);
  }
  return { strict, near: tokens < needed ? near : [] };
}

/** A class's core: text it counts in the fewest tokens of every family, or only within a token of it (see coreProbes). */
export type CoreKind = 'strict' | 'near';

/**
 * The core the class holding `reference` has to ask under `spread`, or undefined when it has none: its core probes,
 * sent or not, hold enough of its tokens for the smallest core planCoreCheck asks. Some vocabularies have no strict
 * one (every text they count in the fewest tokens holds a deep merge's token, a digit or punctuation); their near
 * core stands in, and without a core a change of theirs is judged without it.
 */
export function coreOf(
  groups: readonly SignatureGroup[],
  reference: string,
  index: CountIndex,
  spread = 0,
): CoreKind | undefined {
  const own = groups.find((g) => g.references.includes(reference));
  if (!own) return undefined;
  const needed = packBoundsUnderNoise(PACK_TOKENS, spread).minTokens * MIN_CORE_SHARE;
  const { strict, near } = coreProbes(groups, own, index, needed);
  if ([...strict, ...near].reduce((sum, p) => sum + own.counts[p], 0) < needed) return undefined;
  return near.length ? 'near' : 'strict';
}

/** Per probe, the fewest tokens any family other than `except` counts it in (Infinity when there is none). */
function familyLeast(groups: readonly SignatureGroup[], except: string): Float64Array {
  const least = new Float64Array(groups[0]?.counts.length ?? 0).fill(Infinity);
  for (const g of groups) {
    if (g.family === except) continue;
    for (let p = 0; p < least.length; p++) if (g.counts[p] < least[p]) least[p] = g.counts[p];
  }
  return least;
}

/** The group holding the most mass, matched or derived (the first among equals), as the edge check picks it. */
function leading(post: Posterior): GroupScore | undefined {
  const weights = post.groups.map((g) => g.match + g.derived);
  return post.groups[weights.indexOf(Math.max(...weights))];
}
