import { STRATA, type Stratum } from '../probes/probe.js';
import type { SignatureGroup } from '../scoring/hypotheses.js';

/**
 * Keyed on the group list (one per index, see indexGroups) and holding the designs of one set of candidate
 * weights: every run opens from the same posterior, so the weights only change with the index.
 */
const openings = new WeakMap<readonly SignatureGroup[], { weights: string; designed: Map<Stratum, number[][]> }>();

/**
 * The opening designs kept for these groups, per stratum and variant (filled in by the caller); started
 * afresh when the candidates' weights differ from those the kept designs were made for.
 */
export function openingDesigns(
  groups: readonly SignatureGroup[],
  weights: readonly number[],
): Map<Stratum, number[][]> {
  const key = weights.join(',');
  let cache = openings.get(groups);
  if (cache?.weights !== key) {
    cache = { weights: key, designed: new Map(STRATA.map((stratum) => [stratum, []])) };
    openings.set(groups, cache);
  }
  return cache.designed;
}
