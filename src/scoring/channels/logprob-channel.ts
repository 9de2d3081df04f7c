import { filterHas } from '../../signatures/vocab-membership.js';
import { defineChannel, type ChannelObservation } from './channel.js';
import { groupClasses, vocabularySize } from './chunk-pieces.js';
import { ownStrings, rendersPartsAsNothing } from './in-context-rendering.js';
import { changedVocabulary } from './extension-rate.js';
import { planRepeat, repeatRequest } from './repeat-cut.js';
import { scoreRepeatTokens } from './repeat-tokens.js';
import { tellsNothing } from './token-kinds.js';

/** Chance that a token the true vocabulary lacks is seen anyway (a server's rendering quirk, a lossy byte). */
const MATCH_ERROR = 0.01;

/**
 * Weight of the channel when the token strings do not spell the answers: a wrapper that decodes each token
 * alone drops SentencePiece's word-initial space (and byte-fallback pieces), so its strings are not the
 * vocabulary's entries and their misses say more about the rendering than about the vocabulary.
 */
const LOSSY_WEIGHT = 0.25;
const SPACE = 0x20;
/**
 * Tokens a vocabulary may lack of `seen` and still be the one that emitted them: 4 standard deviations and 3 tokens out
 * in the tail of MATCH_ERROR's binomial. Copies of Mistral v0.1 extended from DeepSeek V3 left the nearest vocabulary
 * (Gemma 3) lacking 20 of 449, 26 of 609 and 44 of 696 tokens; the tolerance there is 16, 19 and 21.
 */
export function lackingTolerated(seen: number): number {
  const mean = seen * MATCH_ERROR;
  return Math.ceil(3 + mean + 4 * Math.sqrt(mean));
}
/**
 * Whether some answer renders part of a character as nothing (see rendersPartsAsNothing). The joins it shows are set
 * aside, but which of its other strings a vocabulary lacks is less sure: nothing is ruled out on their count.
 */
function partialCharacters(observations: readonly ChannelObservation[]): boolean {
  return observations.some(rendersPartsAsNothing);
}
/** What a group lacking more than lackingTolerated is charged, in nats: ruled out whatever else is read. */
const RULED_OUT = -1e4;
/** The most a vocabulary's size moves a group, in nats: under what a verdict needs, so it only breaks ties. */
const SIZE_TIP = 1;

/**
 * Whether an answer's token strings, joined, give back its text (a leading space the answer dropped aside, and the
 * bytes of a last character the cut left incomplete, which a server holds back).
 */
function spellsText(o: ChannelObservation): boolean {
  const joined = Buffer.concat((o.tokens ?? []).map((t) => t.bytes))
    .toString('utf8')
    .trimStart();
  return joined.startsWith(o.text.trimStart());
}

/**
 * Answers whose token strings do not spell their text, of those with tokens; an answer with a token whose bytes a
 * decoder replaced cannot spell it whatever the vocabulary, so it is not judged.
 */
export function lossyRendering(observations: readonly ChannelObservation[]): { lossy: number; answers: number } {
  const answers = observations.filter(
    (o) => o.tokens?.length && o.text && !o.tokens.some((t) => tellsNothing(t.bytes)),
  );
  return { lossy: answers.filter((o) => !spellsText(o)).length, answers: answers.length };
}

function withSpace(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = SPACE;
  out.set(bytes, 1);
  return out;
}

/**
 * The distinct token strings seen, how many of them say nothing about a vocabulary (see tellsNothing), and how many
 * tokens completed a character shown as nothing before them (see ownStrings: Llama 3 behind a server detokenizing in
 * context lacked 12 of 91 strings, each a whole character joined from byte tokens, and lost to o200k, which holds them).
 */
function distinctTokens(observations: readonly ChannelObservation[]): {
  tokens: Uint8Array[];
  setAside: number;
  joins: number;
} {
  const seen = new Map<string, Uint8Array>();
  let joins = 0;
  for (const o of observations) {
    const tokens = o.tokens ?? [];
    const own = ownStrings(tokens);
    joins += tokens.length - own.length;
    for (const t of own) {
      for (const bytes of [t.bytes, ...t.alternatives])
        if (bytes.length) seen.set(Buffer.from(bytes).toString('latin1'), bytes);
    }
  }
  const tokens = [...seen.values()].filter((bytes) => !tellsNothing(bytes));
  return { tokens, setAside: seen.size - tokens.length, joins };
}

/**
 * A token string a class holds only with a word-initial space before it, where most answers are spelled right:
 * as unlikely as a missing token, but it could be a rendering quirk, so it weighs only as soft evidence.
 */
const SPACE_LOST = Math.log(MATCH_ERROR) - Math.log(1 - MATCH_ERROR);

/**
 * Every output token and every listed alternative is a member of the target's vocabulary: a group
 * whose classes all lack one is all but ruled out (hard evidence, what a flag may rest on). A string a class
 * holds only with a space before it (a token rendered alone) and the vocabulary's size (a larger vocabulary
 * shows any one of a smaller one's tokens less often) are soft. An unindexed vocabulary is taken to hold a
 * token about as often as the indexed classes do, so tokens every class has say nothing and rare ones a lot.
 */
export const logprobChannel = defineChannel({
  name: 'logprobs',
  help: 'output tokens and their listed alternatives, each a vocabulary entry (on with --logprobs)',
  asks: { wantLogprobs: true },
  promptOnly: false,
  seen: true,
  needsEncoder: true,
  scoresUnloaded: true,
  impliedBy: 'logprobs',
  followUpWithoutCounts: true,
  followUp(content, encoders, seq) {
    const probe = planRepeat(content, encoders);
    return probe && { ...repeatRequest(probe, seq), wantLogprobs: true };
  },
  score(observations, { groups, membership, encoder }) {
    if (!membership) return undefined;
    const { tokens, setAside, joins } = distinctTokens(observations);
    if (!tokens.length) return undefined;
    const rendering = lossyRendering(observations);
    // Most answers misspelled: a token string may have lost its word-initial space, so either form counts.
    const lossy = rendering.lossy * 2 > rendering.answers;
    const classes = membership.classes;
    const groupClass = groupClasses(groups, membership);
    const sizeOf = vocabularySize(groupClass, membership);
    const match = new Array<number>(groups.length).fill(0);
    const derived = new Array<number>(groups.length).fill(0);
    const ruling = { match: [...match], derived: [...derived], unknown: 0 };
    const soft = new Array<number>(groups.length).fill(0);
    const sized = new Array<number>(groups.length).fill(0);
    const lacking = new Array<number>(groups.length).fill(0);
    let unknown = 0;
    for (const bytes of tokens) {
      const spaced = bytes[0] !== SPACE ? withSpace(bytes) : undefined;
      // 2: holds the string; 1: holds it only with a space before it; 0: lacks it
      const held = classes.map((c) => (filterHas(c.filter, bytes) ? 2 : spaced && filterHas(c.filter, spaced) ? 1 : 0));
      const holders = held.filter((h) => h === 2).length;
      unknown += Math.log((1 - MATCH_ERROR) * ((holders + 0.5) / (classes.length + 1)) + MATCH_ERROR);
      groups.forEach((_, g) => {
        const own = groupClass[g];
        const best = own.length ? Math.max(...own.map((k) => held[k])) : holders / classes.length > 0.5 ? 2 : 0;
        ruling.match[g] += Math.log(best ? 1 - MATCH_ERROR : MATCH_ERROR);
        lacking[g] += best ? 0 : 1;
        soft[g] += best === 1 && !lossy ? SPACE_LOST : 0;
        sized[g] += best ? sizeOf[g] : 0;
      });
    }
    ruling.unknown = unknown;
    // A changed vocabulary emits tokens its base lacks at a rate learned from the answers: tokens the base holds
    // cost it little (its change may not show in them), a share of lacking ones far above a quirk's favours it.
    ruling.derived = lacking.map((k) => changedVocabulary(k, tokens.length, MATCH_ERROR));
    // A model's answers are mostly tokens every vocabulary holds, so per token the size says next to nothing
    // real: it only tips a tie, never decides (it would favour the smallest vocabulary on any plain text).
    const bestRuled = Math.max(...ruling.match);
    const mostSized = Math.max(...sized.filter((_, g) => ruling.match[g] >= bestRuled - 1e-9));
    sized.forEach((v, g) => {
      soft[g] += Math.min(0, Math.max(v - mostSized, -SIZE_TIP));
    });
    // Relative odds let the vocabulary lacking the fewest tokens win however many it lacks: a 262k vocabulary holds most
    // rare tokens of any answer. A copy of Mistral v0.1 extended from DeepSeek V3 was read as an unchanged Gemma 3
    // (>99.9%) lacking 44 of the 696 tokens seen. Past what quirks explain, the vocabulary is not the target's (a change
    // of it may be, which only counts can show); where token strings do not spell the answers, or render part of a
    // character as nothing, nothing is ruled out.
    if (!lossy && rendering.answers > 0 && !partialCharacters(observations)) {
      const tolerated = lackingTolerated(tokens.length);
      lacking.forEach((k, g) => {
        if (k > tolerated) ruling.match[g] += RULED_OUT;
      });
    }
    groups.forEach((_, g) => {
      match[g] = ruling.match[g] + soft[g];
      derived[g] = ruling.derived[g] + soft[g];
    });
    const asideNote = setAside ? ` (${setAside} set aside: replaced bytes or control tokens)` : '';
    const joinNote = joins ? `; ${joins} tokens completing a character shown as nothing set aside` : '';
    const note = `${tokens.length} distinct logprob tokens${asideNote}; the best group lacks ${Math.min(...lacking)}${joinNote}`;
    if (!lossy) {
      // Token strings spelled right: a repeat answer's tokens are each reference's own encoding of the text, or not.
      const repeats = scoreRepeatTokens(observations, { groups, encoder });
      if (!repeats) return { match, derived, unknown, ruling, note };
      const plus = (scores: number[]) => scores.map((v, g) => v + repeats.match[g]);
      return {
        match: plus(match),
        derived: plus(derived),
        unknown: unknown + repeats.unknown,
        ruling: {
          match: plus(ruling.match),
          derived: plus(ruling.derived),
          unknown: ruling.unknown + repeats.unknown,
        },
        note: `${note}; ${repeats.answers} repeat answers' tokens against ${repeats.compared} references' own encodings`,
      };
    }
    const weigh = (w: number) => w * LOSSY_WEIGHT;
    const weighAll = (s: { match: number[]; derived: number[]; unknown: number }) => ({
      match: s.match.map(weigh),
      derived: s.derived.map(weigh),
      unknown: weigh(s.unknown),
    });
    return {
      ...weighAll({ match, derived, unknown }),
      ruling: weighAll(ruling),
      note: `${note}; the token strings do not spell ${rendering.lossy} of ${rendering.answers} answers (a token rendered alone loses its leading space), so they weigh ${LOSSY_WEIGHT} and count with or without one`,
    };
  },
});
