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
