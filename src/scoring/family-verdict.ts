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
  const ranked = [...post.groups].sort((a, b) => b.match - a.match);
  const leader = ranked[0];
  if (!leader) return undefined;
  const named: GroupScore[] = [];
  let confidence = 0;
  for (const score of ranked) {
    if (score.group.family !== leader.group.family) continue;
    named.push(score);
    confidence += score.match;
    if (confidence >= threshold) return named.length > 1 ? { named, confidence } : undefined;
  }
  return undefined;
}
