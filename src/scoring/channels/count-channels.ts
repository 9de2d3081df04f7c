import { scoreLengths, type AnswerLength } from './answer-length.js';
import { defineChannel, type ChannelObservation, type ChannelScore } from './channel.js';
import { planRepeat, repeatRequest, scoreRepeats } from './repeat-cut.js';

/** Offsets for the end-of-turn token(s) a provider may bill beside the text. */
const OFFSETS = [0, 1, 2, 3];

/** An answer with text to compare: not empty, and not ending in a character the cut left incomplete. */
function readable(o: ChannelObservation): boolean {
  return o.text.length > 0 && !o.text.endsWith('\ufffd');
}

/** Cut at `max_tokens` (no end-of-turn billed), as far as the billed count tells. */
function cut(o: ChannelObservation): boolean {
  return o.maxOutputTokens > 1 && o.completionTokens === o.maxOutputTokens;
}

function sum(a: ChannelScore, b: ChannelScore): ChannelScore {
  return {
    match: a.match.map((m, g) => m + b.match[g]),
    derived: a.derived.map((d, g) => d + b.derived[g]),
    unknown: a.unknown + b.unknown,
    ...((a.unscored || b.unscored) && {
      unscored: a.match.map((_, g) => Boolean(a.unscored?.[g]) && Boolean(b.unscored?.[g])),
    }),
    note: `${a.note}; ${b.note}`,
  };
}

export const COMPLETION_COUNT_INCONSISTENT = 'completion-count-inconsistent';

/** `completion_tokens` against each reference's count of the text returned, a constant end-of-turn aside. */
export const completionChannel = defineChannel({
  name: 'completion',
  help: "billed completion counts against each reference's count of the answer text",
  asks: {},
  promptOnly: false,
  seen: false,
  needsEncoder: true,
  inconsistentFlag: COMPLETION_COUNT_INCONSISTENT,
  score(observations, context) {
    const counted = observations.filter((o) => o.completionTokens !== undefined && readable(o));
    if (!counted.length) return undefined;
    const lengths: AnswerLength[] = counted.map((o) => ({
      observation: o,
      // a cut answer bills no end-of-turn token
      tokens: (offset) => o.completionTokens! - (cut(o) ? 0 : offset),
      cap: o.completionTokens!,
    }));
    return {
      ...scoreLengths(lengths, context, OFFSETS),
      note: `completion counts of ${counted.length} answers against each vocabulary's fewest and each loaded reference's own count of their text`,
    };
  },
});

/**
 * Answers cut by `max_tokens`: the text is exactly that many of the true tokenizer's tokens, with no
 * end-of-turn token, and the cut falls on one of its token boundaries. Repeat answers say more: the text
 * is known beforehand, so each reference predicts the very character the cut falls on.
 */
export const truncationChannel = defineChannel({
  name: 'truncation',
  help: 'answers cut at max_tokens, and repeat requests cut where the leading references disagree',
  asks: {},
  promptOnly: false,
  seen: true,
  needsEncoder: true,
  followUp(content, encoders, seq) {
    const probe = planRepeat(content, encoders);
    return probe && repeatRequest(probe, seq);
  },
  score(observations, context) {
    const answers = observations.filter((o) => !o.repeat && o.maxOutputTokens > 1 && readable(o));
    const exact = answers.filter(cut).length;
    const lengths: AnswerLength[] = answers.map((o) => ({
      observation: o,
      ...(cut(o) && { tokens: () => o.maxOutputTokens }),
      cap: o.maxOutputTokens,
      maybeCut: o.completionTokens === undefined,
    }));
    const countScore: ChannelScore | undefined = lengths.length
      ? {
          ...scoreLengths(lengths, context),
          note: `${answers.length} answers within max_tokens, ${exact} of them cut there, against each vocabulary's fewest and each loaded reference's own count of their text`,
        }
      : undefined;
    const repeatScore = scoreRepeats(observations, context);
    if (!countScore || !repeatScore) return countScore ?? repeatScore;
    return sum(countScore, repeatScore);
  },
});
