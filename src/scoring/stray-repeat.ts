import type { GroupScore } from './posterior.js';

/**
 * A change seen only through a few tokens, on a target whose repeats of the bare frame happened to bill alike, may
 * still be a hidden part that rarely moves: its usual length came back on the repeats and a rarer one on the
 * request that strayed. That request asked again (a check, not evidence) tells them apart: a changed vocabulary
 * strays alike twice, the rarer length seldom comes twice.
 */

/** The request (not the frame) where the group's prediction missed most, or -1 when every count fits it. */
export function largestStray(score: GroupScore, requests: readonly { stratum: string }[]): number {
  let worst = -1;
  requests.forEach((r, k) => {
    if (r.stratum === 'frame') return;
    const miss = Math.abs(score.deviations[k] ?? 0);
    if (miss > 0 && (worst < 0 || miss > Math.abs(score.deviations[worst]))) worst = k;
  });
  return worst;
}

/**
 * Whether the group's largest stray was asked again and billed alike: `confirmed` holds the numbers (seq) of the
 * count requests whose check came back with the same count.
 */
export function strayConfirmed(
  score: GroupScore,
  requests: readonly { stratum: string; seq?: number }[],
  confirmed: readonly number[],
): boolean {
  const k = largestStray(score, requests);
  const seq = requests[k]?.seq;
  return seq !== undefined && confirmed.includes(seq);
}
