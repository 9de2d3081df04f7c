import { designPack } from './design.js';
import { domainField, domainTermCount, isDomainProbe } from '../probes/domain.js';
import { isNormalizationStable } from '../probes/normalization-stable.js';
import type { ProbeCategory } from '../probes/probe.js';
import { scriptDomain } from '../probes/script-domain.js';
import type { CountIndex } from '../signatures/count-index.js';
import { REDUCTIONS } from '../signatures/probe-reductions.js';
import type { Rng } from '../util/rng.js';
import type { SignatureGroup } from '../scoring/hypotheses.js';
import type { Posterior } from '../scoring/posterior.js';

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
  /** How many times the usual tokens each kind of change should move the request by (more under a measured spread). */
  coverScale?: number;
}

/** Groups below this weight do not set a probe's cost: they are all but ruled out. */
const PLAUSIBLE = 0.001;
/** Tokens of expected change per kind that make a pack's total stray well beyond seam noise. */
const KIND_GAIN = 48;
/**
 * Tokens a rule around combining marks other than the leader's should add to the pack at the least: twice the
 * seam noise an edge check tolerates (SECOND_EDGE_STRAY).
 */
const MARKS_FIRST = 4;
/** Tokens an extension from each other family should take off the pack, whichever family gave it. */
export const EXTENSION_COVER = 4;
/** Tokens a copy holding one field's domain terms whole should take off the pack, whichever field it is. */
export const DOMAIN_COVER = 8;
/**
 * An edge check is larger than a stratum pack: it covers every kind of change at once, and an extension
 * from an unknown family moves each script's probes by a token or two at most.
 */
export const EDGE_PACK_TOKENS = { min: 720, max: 900 };
/** Where an extension shows in text with no letters of a script: runs of whitespace (code indentation). */
const NON_SCRIPT_DOMAIN: Partial<Record<ProbeCategory, string>> = { whitespace: 'whitespace' };
/**
 * Text with no letters at all but symbols or punctuation (rules of dashes, comment banners): where a code model's
 * vocabulary holds whole runs that others split, so an extension from such a family shows there and hardly in any script.
 */
const SYMBOL_RUN = /^[^\p{L}]*[\p{P}\p{S}][^\p{L}]*$/u;

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
  const scale = input.coverScale ?? 1;
  const extensionCover = EXTENSION_COVER * scale;
  const domainCover = DOMAIN_COVER * scale;
  const kindGain = KIND_GAIN * scale;
  const marksFirst = MARKS_FIRST * scale;
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
  const chosen =
    candidates.length > 1
      ? designPack({
          candidates,
          allowed: unused,
          maxTokens: Math.round(input.maxTokens * DISCRIMINATION_SHARE),
          minTokens: 0,
          margin: input.margin,
          rng,
        })
      : [];

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
  const taken = new Set(chosen);
  const reductions = own.reductions;
  // Each kind's probes (the reductions', then each extension kind's), in the order met, with their gains.
  const R = REDUCTIONS.length;
  // The domain terms' kind comes last: a copy extended with a field's words holds each whole (one token).
  const D = R + pool.extensionKinds.length;
  const domainGain = new Float64Array(index.probes.length);
  const found = Array.from({ length: D + 1 }, () => ({
    probes: [] as number[],
    gains: [] as number[],
    slots: [] as number[],
  }));
  const add = (kind: number, p: number, gain: number, slot: number) => {
    if (gain <= 0) return;
    found[kind].probes.push(p);
    found[kind].gains.push(gain);
    found[kind].slots.push(slot);
  };
  // An extension's gain per other family, F entries from its slot; a probe's slot, or -1 when it shows no extension.
  const familyGains = new Float64Array(unused.length * F);
  const slotOf = new Int32Array(index.probes.length).fill(-1);
  let slot = 0;
  for (const p of rng.shuffle(unused)) {
    if (taken.has(p)) continue;
    if (reductions) for (let r = 0; r < R; r++) add(r, p, reductions[REDUCTIONS[r]][p], -1);
    if (pool.terms[p] > 0) {
      domainGain[p] = own.counts[p] - pool.terms[p];
      add(D, p, domainGain[p], -1);
      continue;
    }
    const kind = pool.extensionKind[p];
    if (kind >= 0 && F) {
      // What an extension from each other family would take off the probe: the leader's count less that family's least.
      const at = slot;
      slot += F;
      let sum = 0;
      for (let f = 0; f < F; f++) sum += familyGains[at + f] = Math.max(0, own.counts[p] - others[f][p]);
      if (sum > 0) slotOf[p] = at;
      add(R + kind, p, sum / F, at);
    }
  }
  const coverValue = (covered: Float64Array, at: number, p: number) => {
    let value = 0;
    for (let f = 0; f < F; f++) value += Math.min(Math.max(0, extensionCover - covered[f]), familyGains[at + f]);
    return value / cost(p);
  };
  // Every kind of change should move the request by several tokens: the kind with the least gain so far
  // gets its next best probe (gain per token), until the request is full or every kind has enough. The
  // donor of an extension is one family, so an extension's probes are picked to cover each family in
  // turn (what it still needs of extensionCover tokens, per token), not the families' mean.
  const queues = found
    .flatMap((list, kind) =>
      list.probes.length ? [{ kind, name: kindName(kind, R, D, pool.extensionKinds), ...list }] : [],
    )
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(({ kind, probes, gains, slots }) => {
      // By gain per token, the first met first among equals; a position in this order is an item's rank.
      // (Plain loops: typed-array `from` with a map function costs several times as much here.)
      const n = probes.length;
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = gains[i] / cost(probes[i]);
      const order = kind === D ? byFieldInTurn(values, probes, pool.field) : sortedDescending(values);
      const probe = new Int32Array(n);
      const slot = new Int32Array(n);
      for (let rank = 0; rank < n; rank++) {
        probe[rank] = probes[order[rank]];
        slot[rank] = slots[order[rank]];
      }
      let cover: { covered: Float64Array; first: Float64Array; bound: Float64Array; byBound: number[] } | undefined;
      if (kind >= R && kind < D) {
        // Extensions: coverage value by rank with nothing covered yet and as last computed, and the ranks by first value.
        const covered = new Float64Array(F);
        const first = new Float64Array(n);
        for (let rank = 0; rank < n; rank++) first[rank] = coverValue(covered, slot[rank], probe[rank]);
        cover = { covered, first, bound: first.slice(), byBound: sortedDescending(first) };
      }
      const queue = {
        kind,
        probe,
        slot,
        reduction: kind < R ? reductions![REDUCTIONS[kind]] : undefined,
        gained: 0,
        next: 0,
        cover,
      };
      return queue;
    });
  // What a copy holding each field's terms whole would save so far, per field.
  const fieldSaved = new Map<string, number>();
  let size = chosen.reduce((sum, p) => sum + cost(p), 0);
  // Coverage values only fall as coverage grows, so each item's first value bounds every later one and its
  // last computed value bounds the next: a scan in order of first values stops once none can beat the best.
  const pick = (queue: (typeof queues)[number]): number => {
    if (!queue.cover) return queue.next++;
    const { probe, slot } = queue;
    const { covered, first, bound, byBound } = queue.cover;
    let best = -1;
    let bestValue = 0;
    // Among equal values the earliest in rank wins, as a scan of the whole list would choose.
    const beats = (value: number, rank: number) =>
      value > bestValue || (value === bestValue && best >= 0 && rank < best);
    for (const rank of byBound) {
      if (first[rank] < bestValue || (best < 0 && first[rank] <= 0)) break;
      const p = probe[rank];
      if (!beats(bound[rank], rank) || taken.has(p) || size + cost(p) > input.maxTokens) continue;
      const value = (bound[rank] = coverValue(covered, slot[rank], p));
      if (value > 0 && beats(value, rank)) [best, bestValue] = [rank, value];
    }
    if (best < 0) queue.next = probe.length;
    return best;
  };
  const take = (p: number) => {
    taken.add(p);
    chosen.push(p);
    size += cost(p);
    const at = slotOf[p];
    for (const q of queues) {
      if (q.kind === D) {
        const field = pool.field[p];
        if (field) fieldSaved.set(field, (fieldSaved.get(field) ?? 0) + domainGain[p]);
        let met = 0;
        for (const tokens of fieldSaved.values()) met += Math.min(domainCover, tokens);
        q.gained = (kindGain * met) / (pool.fields * domainCover);
        continue;
      }
      if (q.reduction) {
        if (q.reduction[p] > 0) q.gained += q.reduction[p];
        continue;
      }
      if (at < 0 || q.kind !== R + pool.extensionKind[p]) continue;
      let met = 0;
      for (let f = 0; f < F; f++) met += Math.min(extensionCover, (q.cover!.covered[f] += familyGains[at + f]));
      q.gained = (kindGain * met) / (F * extensionCover);
    }
  };
  // Each field's best domain probe goes in first: a field left out is an extension the request cannot see.
  const domain = queues.find((q) => q.kind === D);
  if (domain) {
    const fields = new Set<string>();
    for (let rank = 0; rank < domain.probe.length; rank++) fields.add(pool.field[domain.probe[rank]]);
    for (; domain.next < fields.size; domain.next++) {
      const p = domain.probe[domain.next];
      if (!taken.has(p) && size + cost(p) <= input.maxTokens) take(p);
    }
  }
  // A rule around combining marks is the change a team makes least (only scripts with marks show it): the
  // kind takes the room the others leave.
  const marks = queues.find((q) => q.kind === REDUCTIONS.indexOf('marks'));
  const turnOrder = (q: (typeof queues)[number]) => q.gained + (q === marks ? kindGain : 0);
  for (;;) {
    const open = queues.filter((q) => q.gained < kindGain && q.next < q.probe.length);
    if (!open.length || size >= input.minTokens) break;
    const queue = open.reduce((a, b) => (turnOrder(b) < turnOrder(a) ? b : a));
    const rank = pick(queue);
    const p = queue.probe[rank];
    if (rank < 0 || taken.has(p) || size + cost(p) > input.maxTokens) continue;
    take(p);
  }
  // Yet a rule other than the leader's (Qwen2's and Qwen3.5's on one vocabulary) moves each probe with a mark
  // after a letter by a token or more, and no other kind sends such text for sure: its strongest probes are
  // added within the request's bound, enough to stray past seam noise, leaving the other kinds' probes as chosen.
  if (marks)
    for (; marks.gained < marksFirst && marks.next < marks.probe.length; marks.next++) {
      const p = marks.probe[marks.next];
      if (!taken.has(p) && size + cost(p) <= input.maxTokens) take(p);
    }
  return chosen;
}

function kindName(kind: number, R: number, D: number, extensionKinds: readonly string[]): string {
  if (kind < R) return REDUCTIONS[kind];
  return kind === D ? 'extension:domain' : extensionKinds[kind - R];
}

/**
 * Domain terms by gain per token, one field after another (the best of each field, then the second best...):
 * a fine-tuner extends a vocabulary for its own field, whichever that is.
 */
function byFieldInTurn(values: Float64Array, probes: readonly number[], field: readonly string[]): number[] {
  const byField = new Map<string, number[]>();
  for (const i of sortedDescending(values)) {
    const name = field[probes[i]];
    const list = byField.get(name) ?? [];
    byField.set(name, list);
    list.push(i);
  }
  const lists = [...byField.values()];
  const order: number[] = [];
  for (let rank = 0; order.length < values.length; rank++)
    for (const list of lists) if (rank < list.length) order.push(list[rank]);
  return order;
}

/** Positions of `values` from the largest value down, the earlier position first among equals. */
function sortedDescending(values: Float64Array): number[] {
  const order: number[] = [];
  for (let i = 0; i < values.length; i++) order.push(i);
  return order.sort((a, b) => values[b] - values[a] || a - b);
}

const poolByIndex = new WeakMap<
  CountIndex,
  {
    stable: boolean[];
    extensionKinds: string[];
    extensionKind: Int32Array;
    terms: Int32Array;
    field: string[];
    fields: number;
  }
>();

/**
 * Per probe of the pool, worked out once: whether normalization leaves it alone, the kind of extension it
 * shows (its place in `extensionKinds`, -1 for none) and, for domain terms, how many it holds and their field.
 */
function poolFacts(index: CountIndex) {
  let facts = poolByIndex.get(index);
  if (!facts) {
    const extensionKinds: string[] = [];
    const extensionKind = Int32Array.from(index.probes, (probe) => {
      const domain =
        NON_SCRIPT_DOMAIN[probe.category] ??
        scriptDomain(probe.text) ??
        (SYMBOL_RUN.test(probe.text) ? 'symbols' : undefined);
      if (!domain) return -1;
      const kind = `extension:${domain}`;
      if (!extensionKinds.includes(kind)) extensionKinds.push(kind);
      return extensionKinds.indexOf(kind);
    });
    const terms = Int32Array.from(index.probes, (probe) => (isDomainProbe(probe) ? domainTermCount(probe) : 0));
    const field = index.probes.map((probe) => (isDomainProbe(probe) ? domainField(probe) : ''));
    facts = {
      stable: index.probes.map((probe) => isNormalizationStable(probe.text)),
      extensionKinds,
      extensionKind,
      terms,
      field,
      fields: new Set(field.filter(Boolean)).size,
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
