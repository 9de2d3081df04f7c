import { packTotal, type CountSignature } from '../signatures/observations.js';
import type { PrunedPosterior } from './batch/prefilter.js';
import type { SignatureGroup } from './hypotheses.js';
import type { GroupScore, Posterior } from './posterior.js';

/**
 * A two-stage posterior laid out like the live one, a score per group in index order: the groups it left
 * out hold no mass (at most `omittedMass` in all) but keep their predictions, which planning reads.
 */
export function alignedPosterior(
  pruned: PrunedPosterior,
  signature: CountSignature,
  groups: readonly SignatureGroup[],
): Posterior {
  const scores: GroupScore[] = new Array(groups.length);
  pruned.kept.forEach((m, i) => (scores[m] = pruned.groups[i]));
  const base = signature.packs.findIndex((pack) => pack.length === 0);
  for (let m = 0; m < groups.length; m++) {
    if (scores[m]) continue;
    const predicted = signature.packs.map((pack) => packTotal(groups[m].counts, pack));
    const offset = base >= 0 ? signature.observed[base] - predicted[base] : signature.observed[0] - predicted[0];
    scores[m] = {
      group: groups[m],
      predicted,
      offset,
      deviations: signature.observed.map((y, k) => y - predicted[k] - offset),
      match: 0,
      derived: 0,
    };
  }
  return { groups: scores, unknown: pruned.unknown };
}
