import type { GroupScore, Posterior } from './posterior.js';
import type { Verdict } from './verdict.js';

/**
 * Verdicts under a measured spread: identical requests billed differently by up to `spread` tokens either side.
 */

/** The largest spread the counts are still read through; past it a few requests cannot tell candidates apart. */
export const NOISE_CEILING = 10;

/** How far an edge check must stray from the leader for a change to stand clear of the spread, not be read into it. */
export function clearOfSpread(spread: number): number {
  return 3 * spread + 3;
}

/** Deviations no larger than this, seen with one equal repeat, may still be a hidden part that rarely moves. */
export const SMALL_DEVIATION = 8;

/** Why the counts cannot name a tokenizer through this noise, in the words a report shows. */
export function noiseReason(spread: number, detail: string): string {
  return `counts vary by about ${spread} token${spread === 1 ? '' : 's'} between identical requests; ${detail}`;
}

/** The leader's largest deviation on an edge check of its own vocabulary, or 0 when none was made. */
export function edgeDeviation(score: GroupScore, requests: readonly { stratum: string }[]): number {
  let most = 0;
  requests.forEach((r, k) => {
    if (r.stratum === 'edge') most = Math.max(most, Math.abs(score.deviations[k]));
  });
  return most;
}

/** The derived group a verdict names, as scored. */
export function namedScore(post: Posterior, verdict: Verdict): GroupScore | undefined {
  return post.groups.find((g) => g.group.references[0] === verdict.reference);
}

/** The largest deviation of any count from the group's prediction. */
export function largestDeviation(score: GroupScore): number {
  return Math.max(0, ...score.deviations.map(Math.abs));
}

/** The repeats of the bare frame a run made, and the spread their moves measured (0 while they agree). */
export interface FrameRepeats {
  spread: number;
  made: number;
}

/**
 * Why a derived verdict cannot stand through the counts' noise, in a report's words, or undefined when it can: a
 * change seen only through small deviations before the frame was asked twice more (a hidden part that moves a
 * token or two repeats itself often enough), or, under a measured spread, no edge check clear of it.
 */
export function derivedHeldBack(
  post: Posterior,
  verdict: Verdict,
  requests: readonly { stratum: string }[],
  repeats: FrameRepeats,
): string | undefined {
  if (verdict.status !== 'derived') return undefined;
  const score = namedScore(post, verdict);
  if (!repeats.spread && repeats.made < 2 && score && largestDeviation(score) <= SMALL_DEVIATION)
    return `every count lies within ${SMALL_DEVIATION} tokens of ${verdict.reference}'s, which a hidden prompt that changes per request also explains, and the bare frame was not asked twice more`;
  if (repeats.spread && !(score && edgeDeviation(score, requests) >= clearOfSpread(repeats.spread)))
    return noiseReason(
      repeats.spread,
      `no edge check strayed from ${verdict.reference} by more than ${clearOfSpread(repeats.spread) - 1}, so a changed vocabulary cannot be told from that`,
    );
  return undefined;
}
