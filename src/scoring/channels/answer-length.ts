import type { Tokenizer } from '../../references/tokenizer.js';
import { minPieces } from '../../signatures/min-pieces.js';
import type { VocabMembership } from '../../signatures/vocab-membership-file.js';
import { memoPerPair } from '../../util/pair-memo.js';
import { twoSidedGeometric } from '../noise.js';
import type { ChannelContext, ChannelObservation, ChannelScore } from './channel.js';
import { groupClasses } from './chunk-pieces.js';

/**
 * How many tokens an answer's text took, as a count channel knows it: exactly (an answer cut at `max_tokens`,
 * or billed `completion_tokens` less an end-of-turn offset), only as a cap (`max_tokens` of an answer that
 * ended on its own), or either (an API that bills nothing: cut at the cap, or ended below it).
 */
export interface AnswerLength {
  observation: ChannelObservation;
  /** The tokens the text took for each end-of-turn offset tried; undefined when only the cap is known. */
  tokens?: (offset: number) => number;
  /** No vocabulary spent more tokens on the text than this. */
  cap: number;
  /** Without a billed count: the text may be exactly `cap` tokens (cut) or fewer (ended). */
  maybeCut?: boolean;
}

/** How often an answer of an API that bills nothing was cut at `max_tokens` rather than ended. */
const CUT_SHARE = 0.5;
/**
 * A text a vocabulary cannot spell in the tokens spent: near-hard, reached at three pieces over. Graded below that,
 * as the fewest pieces can exceed the true count by one or two where a token is longer than minPieces looks
 * (o200k spells 64 dashes in one) or a normalised entry is missing from the filter.
 */
const OVER_CAP = 1e-3;
const OVER_CAP_PIECES = 3;

function overCap(excess: number): number {
  return excess <= 0 ? 1 : OVER_CAP ** (Math.min(excess, OVER_CAP_PIECES) / OVER_CAP_PIECES);
}
/**
 * How often the model emits its tokenizer's canonical split, learned per run on this grid; a real model mostly
 * does, so the prior leans that way (a beta(3, 1), weights q squared).
 */
const CANONICAL_RATES = Array.from({ length: 20 }, (_, i) => (i + 0.5) / 20);
const RATE_PRIOR = CANONICAL_RATES.map((q) => Math.log((3 * q * q) / CANONICAL_RATES.length));
/** A changed vocabulary keeps each of its base's tokens this often, so n tokens count alike with this to the n. */
const DERIVED_TOKEN_KEPT = 0.98;

const utf8 = new TextEncoder();
/** The fewest entries of each class's vocabulary that spell the answer (see minPieces), once per answer. */
const classPieces = memoPerPair((observation: ChannelObservation, membership: VocabMembership): number[] =>
  minPieces(
    membership.classes.map((c) => c.filter),
    utf8.encode(observation.text),
    { atStart: true },
  ),
);

/** The fewest tokens each group's vocabulary needs for the answer; 0 (no bound) for a group without a filter. */
export function groupPieces(observation: ChannelObservation, context: ChannelContext): number[] {
  const { membership, groups } = context;
  if (!membership) return groups.map(() => 0);
  const pieces = classPieces(observation, membership);
  return groupClasses(groups, membership).map((classes) =>
    classes.length ? Math.min(...classes.map((k) => pieces[k])) : 0,
  );
}

/** A reference's canonical count of the answer text, once per answer and encoder. */
export const canonicalCount = memoPerPair(
  (observation: ChannelObservation, tokenizer: Tokenizer): number => tokenizer.encode(observation.text).length,
);

/** A canonical count is exact most of the time, off by a token or two at a seam otherwise. */
function canonicalNoise(error: number): number {
  if (error === 0) return 0.8;
  return 0.2 * (twoSidedGeometric(error, 1.5) / (1 - twoSidedGeometric(0, 1.5)));
}

/** Half-width of the counts a text of n tokens could have had under a tokenizer nothing is known of. */
function spread(tokens: number): number {
  return Math.max(3, Math.round(0.3 * tokens));
}

/**
 * The count when the model's split is not its tokenizer's canonical one (or the canonical count is not known):
 * anywhere within the spread around the text's length, as for an unindexed tokenizer.
 */
function freeCount(error: number, tokens: number): number {
  const half = spread(tokens);
  return Math.abs(error) <= half ? 1 / (2 * half + 1) : OVER_CAP / (2 * half + 1);
}

function logSumExp(values: readonly number[]): number {
  const top = Math.max(...values);
  if (!Number.isFinite(top)) return top;
  return top + Math.log(values.reduce((s, v) => s + Math.exp(v - top), 0));
}

function logMeanExp(values: readonly number[]): number {
  return logSumExp(values) - Math.log(values.length);
}

interface Terms {
  /** Likelihood of the answer's length when the model emits the canonical split. */
  canonical: number;
  /** When it emits another split (or the canonical count is not known). */
  free: number;
  /** Under a changed vocabulary, which may spell anything: as an unindexed tokenizer. */
  changed: number;
  tokens: number;
}

/** One answer's likelihoods under one group, `hard` the bound on its fewest pieces (1 within the cap). */
function lengthTerms(l: AnswerLength, hard: number, offset: number, tokenizer: Tokenizer | undefined): Terms {
  const canonical = tokenizer && canonicalCount(l.observation, tokenizer);
  if (l.maybeCut) {
    const below = 1 / l.cap;
    const changed = CUT_SHARE * freeCount(0, l.cap) + (1 - CUT_SHARE) * below;
    if (canonical === undefined) return { canonical: hard * changed, free: hard * changed, changed, tokens: l.cap };
    const ended = canonical < l.cap ? below : OVER_CAP * below;
    return {
      canonical: hard * (CUT_SHARE * canonicalNoise(l.cap - canonical) + (1 - CUT_SHARE) * ended),
      free: hard * (CUT_SHARE * freeCount(l.cap - canonical, l.cap) + (1 - CUT_SHARE) * below),
      changed,
      tokens: l.cap,
    };
  }
  if (!l.tokens) return { canonical: hard, free: hard, changed: 1, tokens: l.cap };
  const tokens = l.tokens(offset);
  const changed = freeCount(0, tokens);
  if (canonical === undefined) return { canonical: hard * changed, free: hard * changed, changed, tokens };
  const error = tokens - canonical;
  return { canonical: hard * canonicalNoise(error), free: hard * freeCount(error, tokens), changed, tokens };
}

/**
 * Per answer and group: the near-hard bound (the vocabulary spells the text in no more tokens than were spent),
 * and the soft one (its canonical count equals the tokens spent, at a rate learned over the run), each group as
 * a match and as a changed copy; the end-of-turn offset is one per run. A group whose encoder is not loaded gets
 * the free count, as an unindexed tokenizer does: never penalised for it, nor favoured.
 */
export function scoreLengths(
  lengths: readonly AnswerLength[],
  context: ChannelContext,
  offsets: readonly number[] = [0],
): Omit<ChannelScore, 'note'> {
  const { groups, encoder } = context;
  const pieces = lengths.map((l) => groupPieces(l.observation, context));
  const capped = (g: number, i: number) => overCap(pieces[i][g] - lengths[i].cap);
  const filtered = new Set(context.membership?.classes.map((c) => c.id));
  const match: number[] = [];
  const derived: number[] = [];
  const unscored: boolean[] = [];
  for (let g = 0; g < groups.length; g++) {
    const tokenizer = encoder(g);
    // without its encoder nor a membership filter a group's score is a stand-in, which rules nothing out
    unscored[g] = !tokenizer && !groups[g].classIds.some((id) => filtered.has(id));
    const perOffset = offsets.map((offset) => {
      const terms = lengths.map((l, i) => lengthTerms(l, capped(g, i), offset, tokenizer));
      const overRates = (kept: (tokens: number) => number) =>
        logSumExp(
          CANONICAL_RATES.map((q, r) =>
            terms.reduce((sum, t) => {
              const asMatch = q * t.canonical + (1 - q) * t.free;
              const keep = kept(t.tokens);
              return sum + Math.log(keep * asMatch + (1 - keep) * t.changed);
            }, RATE_PRIOR[r]),
          ),
        );
      return { match: overRates(() => 1), derived: overRates((tokens) => DERIVED_TOKEN_KEPT ** tokens) };
    });
    match[g] = logMeanExp(perOffset.map((p) => p.match));
    derived[g] = logMeanExp(perOffset.map((p) => p.derived));
  }
  const unknown = lengths.reduce((sum, l) => sum + Math.log(lengthTerms(l, 1, 0, undefined).changed), 0);
  return { match, derived, unknown, ...(unscored.some(Boolean) && { unscored }) };
}
