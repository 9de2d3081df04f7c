import { designPack } from '../probes/design.js';
import { isNormalizationStable } from '../probes/normalization-stable.js';
import type { ProbeCategory } from '../probes/probe.js';
import { scriptDomain } from '../probes/script-domain.js';
import type { CountIndex } from '../signatures/count-index.js';
import { REDUCTIONS } from '../signatures/probe-reductions.js';
import type { Rng } from '../util/rng.js';
import type { SignatureGroup } from './hypotheses.js';
import type { Posterior } from './posterior.js';

export interface EdgePackInput {
  post: Posterior;
  groups: readonly SignatureGroup[];
  index: CountIndex;
  /** Probe indices already sent. */
  used: ReadonlySet<number>;
  rng: Rng;
  minTokens: number;
  maxTokens: number;
  margin: number;
}

/** Groups below this weight do not set a probe's cost: they are all but ruled out. */
const PLAUSIBLE = 0.001;
/** Tokens of expected change per kind that make a pack's total stray well beyond seam noise. */
const KIND_GAIN = 48;
/** Tokens an extension from each other family should take off the pack, whichever family gave it. */
export const EXTENSION_COVER = 4;
/**
 * An edge check is larger than a stratum pack: it covers every kind of change at once, and an extension
 * from an unknown family moves each script's probes by a token or two at most.
 */
export const EDGE_PACK_TOKENS = { min: 720, max: 900 };
/** Where an extension shows in text with no letters of a script: runs of whitespace (code indentation). */
const NON_SCRIPT_DOMAIN: Partial<Record<ProbeCategory, string>> = { whitespace: 'whitespace' };

/** At most this share of the request goes to keeping the candidates apart; the rest tests the leader. */
const DISCRIMINATION_SHARE = 0.3;

/**
 * One request that tests the leading hypothesis where a product team changes a vocabulary: its rarest
 * tokens (a pruned copy splits them), digit and punctuation runs it holds whole (a changed pre-tokenizer
 * splits them), and, per script (by the probe's letters, whichever miner made it), what it splits but
 * another family holds whole (an extension from that family joins them). Each kind gets probes in turn, best gain per token first, so
 * whichever change was made moves the total by several tokens while an unchanged copy fits exactly.
 * Starts with the probes that still keep the other candidates apart.
 */
export function planEdgePack(input: EdgePackInput): number[] {
  const { post, groups, index, used, rng } = input;
  const weights = post.groups.map((s) => s.match + s.derived);
  const leader = weights.indexOf(Math.max(...weights));
  if (leader < 0) return [];
  const own = groups[leader];
  // The check asks for an exact fit, so it leaves out text a serving engine may normalize otherwise than the reference.
  const pool = poolFacts(index);
  const unused: number[] = [];
  for (let p = 0; p < index.probes.length; p++) if (!used.has(p) && pool.stable[p]) unused.push(p);
  const inPlay = weights.flatMap((w, i) => (w >= PLAUSIBLE ? [i] : []));
  const plausible = inPlay.map((i) => groups[i]);
  // Only the hypotheses still in play need keeping apart, and only with a share of the request.
  const candidates = inPlay.map((i) => ({ counts: groups[i].counts, weight: weights[i] }));
  const chosen = candidates.length > 1 ? designPack({ candidates, allowed: unused, maxTokens: Math.round(input.maxTokens * DISCRIMINATION_SHARE), minTokens: 0, margin: input.margin, rng }) : [];

  // A probe costs what the most expensive plausible hypothesis bills for it (worked out once per probe).
  const costs = new Float64Array(index.probes.length).fill(-1);
  const cost = (p: number) => {
    if (costs[p] < 0) {
      let most = 1;
      for (const g of plausible) if (g.counts[p] > most) most = g.counts[p];
      costs[p] = most;
    }
    return costs[p];
  };
  // The donor of an extension is unknown: each other family counts as one, by its most frugal member.
  const families = familyFacts(groups);
  const others = families.least.filter((_, f) => families.names[f] !== own.family);
  const F = others.length;
  interface Item {
    p: number;
    gain: number;
    value: number;
    /** Where its gain per other family starts in `familyGains` (extensions only). */
    byFamily?: number;
    /** Coverage value with nothing covered yet, and as last computed; place in the list. */
    first?: number;
    bound?: number;
    rank?: number;
  }
  const kinds = new Map<string, { list: Item[]; gainOf: Map<number, number> }>();
  const add = (kind: string, p: number, gain: number, byFamily?: number) => {
    if (gain <= 0) return;
    let entry = kinds.get(kind);
    if (!entry) kinds.set(kind, (entry = { list: [], gainOf: new Map() }));
    entry.list.push({ p, gain, value: gain / cost(p), byFamily });
    if (!entry.gainOf.has(p)) entry.gainOf.set(p, gain);
  };
  const taken = new Set(chosen);
  const reductions = own.reductions;
  const familyGains = new Float64Array(unused.length * F);
  let slot = 0;
  for (const p of rng.shuffle(unused)) {
    if (taken.has(p)) continue;
    if (reductions) for (const reduction of REDUCTIONS) add(reduction, p, reductions[reduction][p]);
    const kind = pool.extensionKind[p];
    if (kind && F) {
      // What an extension from each other family would take off the probe: the leader's count less that family's least.
      const at = slot;
      slot += F;
      let sum = 0;
      for (let f = 0; f < F; f++) sum += familyGains[at + f] = Math.max(0, own.counts[p] - others[f][p]);
      add(kind, p, sum / F, at);
    }
  }
  // Every kind of change should move the request by several tokens: the kind with the least gain so far
  // gets its next best probe (gain per token), until the request is full or every kind has enough. The
  // donor of an extension is one family, so an extension's probes are picked to cover each family in
  // turn (what it still needs of EXTENSION_COVER tokens, per token), not the families' mean.
  const queues = [...kinds.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([kind, { list, gainOf }]) => ({
      kind,
      list: list.sort((a, b) => b.value - a.value),
      gainOf,
      gained: 0,
      next: 0,
      covered: kind.startsWith('extension:') ? new Float64Array(F) : undefined,
      byBound: undefined as Item[] | undefined,
      byProbe: undefined as Map<number, Item> | undefined,
    }));
  let size = chosen.reduce((sum, p) => sum + cost(p), 0);
  const coverValue = (covered: Float64Array, item: Item) => {
    let value = 0;
    for (let f = 0; f < F; f++) value += Math.min(Math.max(0, EXTENSION_COVER - covered[f]), familyGains[item.byFamily! + f]);
    return value / cost(item.p);
  };
  // Coverage values only fall as coverage grows, so each item's first value bounds every later one and its
  // last computed value bounds the next: a scan in order of first values stops once none can beat the best.
  for (const q of queues) {
    if (!q.covered) continue;
    q.list.forEach((item, rank) => {
      item.bound = item.first = coverValue(q.covered!, item);
      item.rank = rank;
    });
    q.byBound = [...q.list].sort((a, b) => b.first! - a.first!);
    q.byProbe = new Map(q.list.map((item) => [item.p, item]));
  }
  const pick = (queue: (typeof queues)[number]): Item | undefined => {
    if (!queue.covered) return queue.list[queue.next++];
    let best: Item | undefined;
    let bestValue = 0;
    // Among equal values the earliest in the list wins, as a scan of the whole list would choose.
    const beats = (value: number, item: Item) => value > bestValue || (value === bestValue && best !== undefined && item.rank! < best.rank!);
    for (const item of queue.byBound!) {
      if (item.first! < bestValue || (best === undefined && item.first! <= 0)) break;
      if (!beats(item.bound!, item) || taken.has(item.p) || size + cost(item.p) > input.maxTokens) continue;
      const value = (item.bound = coverValue(queue.covered, item));
      if (value > 0 && beats(value, item)) [best, bestValue] = [item, value];
    }
    if (!best) queue.next = queue.list.length;
    return best;
  };
  for (;;) {
    const open = queues.filter((q) => q.gained < KIND_GAIN && q.next < q.list.length);
    if (!open.length || size >= input.minTokens) break;
    const queue = open.reduce((a, b) => (b.gained < a.gained ? b : a));
    const item = pick(queue);
    if (!item || taken.has(item.p) || size + cost(item.p) > input.maxTokens) continue;
    taken.add(item.p);
    chosen.push(item.p);
    size += cost(item.p);
    for (const q of queues) {
      if (!q.covered) {
        q.gained += q.gainOf.get(item.p) ?? 0;
        continue;
      }
      const own = q.byProbe!.get(item.p);
      if (!own) continue;
      let met = 0;
      for (let f = 0; f < F; f++) met += Math.min(EXTENSION_COVER, (q.covered[f] += familyGains[own.byFamily! + f]));
      q.gained = (KIND_GAIN * met) / (F * EXTENSION_COVER);
    }
  }
  return chosen;
}

const poolByIndex = new WeakMap<CountIndex, { stable: boolean[]; extensionKind: (string | undefined)[] }>();

/** Per probe of the pool, worked out once: whether normalization leaves it alone, and the kind of extension it shows. */
function poolFacts(index: CountIndex) {
  let facts = poolByIndex.get(index);
  if (!facts) {
    facts = {
      stable: index.probes.map((probe) => isNormalizationStable(probe.text)),
      extensionKind: index.probes.map((probe) => {
        const domain = NON_SCRIPT_DOMAIN[probe.category] ?? scriptDomain(probe.text);
        return domain ? `extension:${domain}` : undefined;
      }),
    };
    poolByIndex.set(index, facts);
  }
  return facts;
}

const familiesByGroups = new WeakMap<readonly SignatureGroup[], { names: string[]; least: Int32Array[] }>();

/** Each family (in order of its first group) and its least count per probe over its groups, worked out once per group list. */
function familyFacts(groups: readonly SignatureGroup[]) {
  let facts = familiesByGroups.get(groups);
  if (!facts) {
    const least = new Map<string, Int32Array>();
    for (const g of groups) {
      const counts = least.get(g.family);
      if (!counts) least.set(g.family, Int32Array.from(g.counts));
      else for (let p = 0; p < counts.length; p++) if (g.counts[p] < counts[p]) counts[p] = g.counts[p];
    }
    facts = { names: [...least.keys()], least: [...least.values()] };
    familiesByGroups.set(groups, facts);
  }
  return facts;
}
