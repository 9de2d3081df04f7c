import { familyDerived, familyMatch, type FamilyMatch } from './family-verdict.js';
import type { GroupScore, Posterior } from './posterior.js';
import type { ChangeKind, Relative } from './verdict-relatives.js';

export type VerdictStatus = 'match' | 'derived' | 'unknown' | 'inconclusive';

export interface Verdict {
  status: VerdictStatus;
  /** The first reference of the group named, or null. */
  reference: string | null;
  /** Every reference that counts text exactly like it. */
  class: string[];
  family: string | null;
  models: string[];
  confidence: number;
  /** Disagreements between channels, e.g. `usage-count-inconsistent`, and `answers-replayed` when stored answers stood in for the target. */
  flags?: string[];
  /** For `unknown` and `inconclusive`: the indexed classes nearest the counts, with how far off they are. */
  nearest?: Relative[];
  /** For `derived`: the kind of change to the base vocabulary the counts show. */
  change?: ChangeKind;
  /**
   * For a match or a change at family level: the references of the other classes of the family that the evidence
   * could not tell from the first one when the budget ran out (they are in `class` too, and their share in
   * `confidence`).
   */
  twins?: string[];
}

/** How sure each verdict must be. A match outside the index must stay rare, so it needs the most. */
export const THRESHOLDS = {
  match: 0.99,
  derived: 0.95,
  unknown: 0.99,
  /** once the budget is spent */ finalDerived: 0.9,
  finalUnknown: 0.9,
};

export function rankedGroups(post: Posterior): GroupScore[] {
  return [...post.groups].sort((a, b) => b.match + b.derived - (a.match + a.derived));
}

/** How likely the product is built on this group's tokenizer, exactly or modified. */
export function classShare(score: GroupScore): number {
  return score.match + score.derived;
}

function verdictFor(status: VerdictStatus, score: GroupScore | undefined, confidence: number): Verdict {
  if (!score) return { status, reference: null, class: [], family: null, models: [], confidence };
  const { group } = score;
  return {
    status,
    reference: group.references[0],
    class: group.references,
    family: group.family,
    models: group.models,
    confidence,
  };
}

function familyVerdict({ named }: FamilyMatch, status: 'match' | 'derived'): Verdict {
  const [leader, ...others] = named.map((score) => score.group);
  const twins = others.flatMap((group) => group.references);
  return {
    status,
    reference: leader.references[0],
    class: [...leader.references, ...twins],
    family: leader.family,
    models: [...new Set(named.flatMap((score) => score.group.models))],
    // the named classes' whole shares, as a single class's verdict gives its own
    confidence: named.reduce((sum, score) => sum + classShare(score), 0),
    twins,
  };
}

/** The verdict the evidence supports now, or undefined when more requests are needed (and allowed). */
export function decide(post: Posterior, final: boolean): Verdict | undefined {
  const topMatch = [...post.groups].sort((a, b) => b.match - a.match)[0];
  const topDerived = [...post.groups].sort((a, b) => b.derived - a.derived)[0];
  // the split between exact and modified picks the status; the confidence shown is the named tokenizer's whole
  // share, the number every table, chart and progress line gives for it
  if (topMatch && topMatch.match >= THRESHOLDS.match) return verdictFor('match', topMatch, classShare(topMatch));
  const family = final ? familyMatch(post, THRESHOLDS.match) : undefined;
  if (family) return familyVerdict(family, 'match');
  if (topDerived && topDerived.derived >= (final ? THRESHOLDS.finalDerived : THRESHOLDS.derived)) {
    return verdictFor('derived', topDerived, classShare(topDerived));
  }
  const changedFamily = final ? familyDerived(post, THRESHOLDS.finalDerived) : undefined;
  if (changedFamily) return familyVerdict(changedFamily, 'derived');
  if (post.unknown >= (final ? THRESHOLDS.finalUnknown : THRESHOLDS.unknown))
    return verdictFor('unknown', undefined, post.unknown);
  if (!final) return undefined;
  return inconclusiveVerdict(post);
}

/** An inconclusive verdict on `post`: nothing named, with the leader's larger share, exact or changed. */
export function inconclusiveVerdict(post: Posterior): Verdict {
  const leader = rankedGroups(post)[0];
  return verdictFor('inconclusive', undefined, leader ? Math.max(leader.match, leader.derived) : 0);
}
