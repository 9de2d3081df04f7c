import { PRIOR } from '../hypotheses.js';
import type { Posterior } from '../posterior.js';
import type { ChannelScore } from './channel.js';
import { CHANNELS, type ChannelName } from './registry.js';

export const USAGE_COUNT_INCONSISTENT = 'usage-count-inconsistent';
/** A run that ended while the tokens seen still disputed the counts: no verdict stands on either (see annotate). */
export const SEEN_TOKENS_DISPUTED = 'seen-tokens-disputed';

export interface Consistency {
  flags: string[];
  /**
   * The tokens seen point away from the counts' leader (another group is DISPUTE_ODDS times as likely by
   * them) but do not yet rule it out: more answers should settle it before a verdict.
   */
  disputed?: boolean;
  /** What the dispute is, in words: which tokenizer the counts fit, and which the tokens seen. */
  reason?: string;
  /** Which channels the verdict rests on, and why, when some were set aside. */
  trusted?: { channels: ChannelName[]; reason: string };
}

interface LogWeights {
  match: number[];
  derived: number[];
  unknown: number;
}

function baseWeights(count: Posterior, useCounts: boolean): LogWeights {
  if (useCounts) {
    return {
      match: count.groups.map((g) => Math.log(g.match)),
      derived: count.groups.map((g) => Math.log(g.derived)),
      unknown: Math.log(count.unknown),
    };
  }
  return {
    match: count.groups.map((g) => Math.log(PRIOR.match * g.group.weight)),
    derived: count.groups.map((g) => Math.log(PRIOR.derived * g.group.weight)),
    unknown: Math.log(PRIOR.unknown),
  };
}

function add(weights: LogWeights, score: ChannelScore): LogWeights {
  return {
    match: weights.match.map((w, i) => w + score.match[i]),
    derived: weights.derived.map((w, i) => w + score.derived[i]),
    unknown: weights.unknown + score.unknown,
  };
}

function normalise(count: Posterior, weights: LogWeights): Posterior {
  const all = [...weights.match, ...weights.derived, weights.unknown].filter((w) => Number.isFinite(w));
  const top = all.length ? Math.max(...all) : 0;
  const e = (w: number) => (Number.isFinite(w) ? Math.exp(w - top) : 0);
  const total =
    weights.match.reduce((s, w) => s + e(w), 0) + weights.derived.reduce((s, w) => s + e(w), 0) + e(weights.unknown) ||
    1;
  return {
    groups: count.groups.map((g, i) => ({
      ...g,
      match: e(weights.match[i]) / total,
      derived: e(weights.derived[i]) / total,
    })),
    unknown: e(weights.unknown) / total,
  };
}

/** Odds of the seen channels' leader over the counts' leader, by the seen channels alone, that dispute the counts. */
const DISPUTE_ODDS = 10;
/** Log-odds against a changed vocabulary when no count is read (see beside()). */
const NO_DERIVED_UNCOUNTED = Math.log(1e-4);

/**
 * Beside read counts, a seen channel's changed copies and a tokenizer outside the index all score as the best of
 * them: tokens a base lacks are what a changed copy of it emits, whichever base was changed, and what a tokenizer
 * outside the index emits too. The counts name the base by whole tokens at checked edges (and its core, which a
 * tokenizer outside the index misses); the tokens seen show only that the vocabulary is not an indexed one unchanged.
 * Scored per base they favour the base lacking the fewest, the donor of an extension or the largest vocabulary:
 * Mistral v0.1 extended from DeepSeek V3 was read as a changed DeepSeek V3 (confidence 1) while its counts named
 * Mistral, and tokenizers left out of the index (o200k beside Gemma 3's 262k entries) were read as changed copies.
 */
function countsNameTheChange(ruling: LogWeights): LogWeights {
  const best = Math.max(...ruling.derived, ruling.unknown);
  return { ...ruling, derived: ruling.derived.map(() => best), unknown: best };
}

function leader(post: Posterior): number {
  let best = -1;
  let value = -1;
  post.groups.forEach((g, i) => {
    if (g.match + g.derived > value) {
      value = g.match + g.derived;
      best = i;
    }
  });
  return best;
}

/**
 * One posterior from the count posterior and every other channel's log-likelihoods. When a reported
 * count (usage, completion) fits a hypothesis the tokens seen in the answers rule out, the reported
 * count is set aside and flagged: a provider can recount usage with another tokenizer, but it cannot
 * make its model emit tokens its vocabulary lacks.
 */
export function fuseChannels(
  count: Posterior,
  scores: ReadonlyMap<ChannelName, ChannelScore>,
  enabled: ReadonlySet<ChannelName>,
): { posterior: Posterior; consistency: Consistency } {
  const useCounts = enabled.has('usage');
  const seen = [...scores].filter(([name]) => CHANNELS.get(name).seen);
  const reported = [...scores].filter(([name]) => !CHANNELS.get(name).seen);
  // Beside counts that are read, the tokens seen add only what a vocabulary cannot produce: their soft evidence
  // (segmentations, batching, a vocabulary's size) is calibrated on nothing an exact count does not say better,
  // and on plain text it can outweigh every pack a tokenizer matched to the token.
  const beside = (name: ChannelName, s: ChannelScore): ChannelScore => {
    if (!CHANNELS.get(name).seen || !s.ruling) return s;
    // A changed vocabulary is named from counts that its base misses by whole tokens at checked edges; tokens
    // seen alone cannot tell a changed copy from another vocabulary that happens to hold them.
    if (!useCounts) return { ...s, ...s.ruling, derived: s.ruling.match.map((m) => m + NO_DERIVED_UNCOUNTED) };
    return { ...s, ...countsNameTheChange(s.ruling) };
  };
  const fused = normalise(
    count,
    [...scores].map(([name, s]) => beside(name, s)).reduce(add, baseWeights(count, useCounts)),
  );
  if (!seen.length) return { posterior: fused, consistency: { flags: [] } };

  const flags: string[] = [];
  const setAside: ChannelName[] = [];
  // Only channels that compared a group can speak against it, and only with what a vocabulary cannot produce:
  // a stand-in score or soft evidence (a segmentation, a vocabulary's size) rules nothing out.
  const judging = (l: number): Posterior | undefined => {
    const judges = seen.filter(([, s]) => !s.unscored?.[l]).map(([, s]) => ({ note: s.note, ...(s.ruling ?? s) }));
    if (!judges.length) return undefined;
    return normalise(count, judges.reduce(add, baseWeights(count, false)));
  };
  const share = (post: Posterior, g: number) => post.groups[g].match + post.groups[g].derived;
  // A recount is read where the counts fit their leader unchanged and the tokens seen fit another vocabulary unchanged:
  // a provider recounting bills what an indexed tokenizer counts (an assumption: one billing with a changed copy of
  // one is read as a dispute, below, not flagged). Tokens seen that no indexed vocabulary holds unchanged name none.
  const namesAnother = (by: Posterior, l: number) =>
    leader(by) !== l && by.groups.reduce((sum, g, i) => sum + (i === l ? 0 : g.match), 0) > 0.5;
  const leansUnchanged = (post: Posterior, l: number) => post.groups[l].match > post.groups[l].derived;
  const contradicted = (post: Posterior) => {
    const l = leader(post);
    const by = l >= 0 && share(post, l) > 0.5 && leansUnchanged(post, l) ? judging(l) : undefined;
    return by !== undefined && namesAnother(by, l) && share(by, l) < 0.01;
  };
  if (useCounts && contradicted(count)) {
    flags.push(USAGE_COUNT_INCONSISTENT);
    setAside.push('usage');
  }
  for (const [name, score] of reported) {
    const flag = CHANNELS.get(name).inconsistentFlag;
    if (flag && contradicted(normalise(count, add(baseWeights(count, false), score)))) {
      flags.push(flag);
      setAside.push(name);
    }
  }
  if (!flags.length) {
    // What the tokens seen rule out disputes the counts (the run then reads more answers; one that ends disputed names
    // nothing) unless the counts name a changed copy and the tokens fit no indexed vocabulary unchanged: they agree
    // then, the counts naming the base. Counts of a changed copy beside tokens another vocabulary holds unchanged
    // are an honest changed copy whose tokens a large vocabulary happens to hold (Mistral v0.1 extended from
    // DeepSeek V3, whose tokens Gemma 3 lacked 2 of 249) or a provider billing with a changed copy: more answers
    // may tell them apart.
    // (counts that name no tokenizer, most of their weight on one outside the index, are disputed by nothing)
    const l = useCounts ? leader(count) : -1;
    const by = l >= 0 && share(count, l) > 0.5 ? judging(l) : undefined;
    const disputed =
      by !== undefined &&
      leader(by) !== l &&
      share(by, leader(by)) >= DISPUTE_ODDS * share(by, l) &&
      (leansUnchanged(count, l) || namesAnother(by, l));
    if (!disputed || !by) return { posterior: fused, consistency: { flags } };
    const lead = (post: Posterior, g: number) =>
      `${post.groups[g].group.references[0]}${post.groups[g].match >= post.groups[g].derived ? '' : ' as a changed copy'}`;
    const seenSide = namesAnother(by, l)
      ? `fit ${lead(by, leader(by))}`
      : `rule it out unchanged and fit no indexed vocabulary unchanged`;
    const reason = `the prompt counts fit ${lead(count, l)}, but the tokens seen in the answers ${seenSide}`;
    return { posterior: fused, consistency: { flags, disputed, reason } };
  }
  const kept = reported.filter(([name]) => !setAside.includes(name)).map(([, s]) => s);
  const countsKept = !setAside.includes('usage') && useCounts;
  // With the counts set aside, no count shows a change: tokens seen alone name no changed vocabulary (as beside()).
  const seenKept = seen.map(([name, s]) =>
    countsKept ? beside(name, s) : { ...s, derived: s.match.map((m) => m + NO_DERIVED_UNCOUNTED) },
  );
  const posterior = normalise(count, [...seenKept, ...kept].reduce(add, baseWeights(count, countsKept)));
  const suspect = count.groups[leader(count)]?.group.references[0];
  return {
    posterior,
    consistency: {
      flags,
      trusted: {
        channels: seen.map(([name]) => name),
        reason: `the ${setAside.join(' and ')} counts fit ${suspect ?? 'another tokenizer'}, but the tokens seen in the answers (${seen.map(([n]) => n).join(', ')}) rule it out; tokens seen beat counts a provider reports`,
      },
    },
  };
}
