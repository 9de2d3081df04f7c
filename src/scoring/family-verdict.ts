import type { GroupScore, Posterior } from './posterior.js';

/**
 * Near twins of one family (Gemma 4 beside Gemma 3, Qwen2's vocabulary under Qwen3.5's split beside Qwen2.5) take
 * as many tokens for most texts, so a channel may leave them near a coin toss when the budget runs out. Naming one
 * of them would then be a guess; the fewest leading classes of the leader's family whose match posteriors together
 * reach `threshold` are named instead, as a match at family level.
 */
export interface FamilyMatch {
  /** The classes named, the leader first: no other class of another family holds more than 1 - threshold. */
  named: GroupScore[];
  confidence: number;
}

export function familyMatch(post: Posterior, threshold: number): FamilyMatch | undefined {
  return familyShare(post, threshold, (score) => score.match);
}

/**
 * The same for a changed copy: a copy of one twin counts near the other too (the texts that part them are few, and
 * a change may reach them), so the fewest leading classes of one family whose derived posteriors together reach
 * `threshold` are named as changed at family level.
 */
export function familyDerived(post: Posterior, threshold: number): FamilyMatch | undefined {
  return familyShare(post, threshold, (score) => score.derived);
}

function familyShare(
  post: Posterior,
  threshold: number,
  share: (score: GroupScore) => number,
): FamilyMatch | undefined {
  const ranked = [...post.groups].sort((a, b) => share(b) - share(a));
  const leader = ranked[0];
  if (!leader) return undefined;
  const named: GroupScore[] = [];
  let confidence = 0;
  for (const score of ranked) {
    if (score.group.family !== leader.group.family) continue;
    named.push(score);
    confidence += share(score);
    if (confidence >= threshold) return named.length > 1 ? { named, confidence } : undefined;
  }
  return undefined;
}
