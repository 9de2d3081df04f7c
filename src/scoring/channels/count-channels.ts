import { twoSidedGeometric } from '../noise.js';
import { defineChannel, type ChannelContext, type ChannelObservation, type ChannelScore } from './channel.js';
import { planRepeat, repeatRequest, scoreRepeats } from './repeat-cut.js';

/** A reference's count of generated text is exact most of the time (a model may emit a non-canonical split). */
function countNoise(error: number): number {
  if (error === 0) return 0.8;
  return 0.2 * (twoSidedGeometric(error, 1.5) / (1 - twoSidedGeometric(0, 1.5)));
}

/** Offsets for the end-of-turn token(s) a provider may bill beside the text. */
const OFFSETS = [0, 1, 2, 3];

function scoreCounts(
  observations: readonly ChannelObservation[],
  context: ChannelContext,
  target: (o: ChannelObservation) => number,
  offsets: readonly number[],
): Omit<ChannelScore, 'note'> | undefined {
  const { groups, encoder } = context;
  const loaded: number[] = [];
  const match: number[] = [];
  for (let g = 0; g < groups.length; g++) {
    const tokenizer = encoder(g);
    if (!tokenizer) continue;
    const residuals = observations.map((o) => target(o) - tokenizer.encode(o.text).length);
    let likelihood = 0;
    for (const offset of offsets)
      likelihood += residuals.reduce((p, r) => p * countNoise(r - offset), 1) / offsets.length;
    loaded.push(g);
    match[g] = Math.log(Math.max(likelihood, 1e-300));
  }
  if (!loaded.length) return undefined;
  const worst = Math.min(...loaded.map((g) => match[g]));
  const scores = groups.map((_, g) => match[g] ?? worst);
  // Unknown: a count somewhere near the text's length in tokens, a few tokens wide.
  const unknown = observations.reduce((sum, o) => sum - Math.log(2 * Math.max(3, 0.15 * target(o)) + 1), 0);
  return { match: scores, derived: scores.map((s) => Math.max(s, unknown)), unknown };
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
    const counted = observations.filter(
      (o) => o.completionTokens !== undefined && o.text.length > 0 && !o.text.endsWith('\ufffd'),
    );
    if (!counted.length) return undefined;
    const score = scoreCounts(counted, context, (o) => o.completionTokens!, OFFSETS);
    return (
      score && {
        ...score,
        note: `completion counts of ${counted.length} answers against each reference's count of their text`,
      }
    );
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
    const cut = observations.filter(
      (o) =>
        !o.repeat &&
        o.maxOutputTokens > 1 &&
        o.completionTokens === o.maxOutputTokens &&
        o.text.length > 0 &&
        !o.text.endsWith('\ufffd'),
    );
    const counted = cut.length ? scoreCounts(cut, context, (o) => o.maxOutputTokens, [0]) : undefined;
    const countScore = counted && {
      ...counted,
      note: `${cut.length} answers cut at max_tokens, against each reference's count of their text`,
    };
    const repeatScore = scoreRepeats(observations, context);
    if (!countScore || !repeatScore) return countScore ?? repeatScore;
    return {
      match: countScore.match.map((m, g) => m + repeatScore.match[g]),
      derived: countScore.derived.map((d, g) => d + repeatScore.derived[g]),
      unknown: countScore.unknown + repeatScore.unknown,
      note: `${countScore.note}; ${repeatScore.note}`,
    };
  },
});
