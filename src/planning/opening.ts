import { STRATA, type Stratum } from '../probes/probe.js';
import type { SignatureGroup } from '../scoring/hypotheses.js';
import { seededRng, seedFromString, type Rng } from '../util/rng.js';
import { samplesFrom, separatingProbes, type DesignCandidate } from './design.js';
import { openingDesigns } from './opening-designs.js';
import { MARGIN, PACK_TOKENS } from './pack-size.js';

/** How many ways to keep the references apart are designed per stratum for the first request; each run draws one. */
export const OPENINGS = 8;

/**
 * Per stratum, the probes that keep the candidates apart in the first request after the frame. Every
 * identification starts from the same posterior (the bare frame tells no tokenizer from another), so a
 * process identifying many targets designs OPENINGS of them per stratum and index, each from its own seed,
 * and each run draws one per stratum: the stratum packs stay independent draws as when each run designed
 * its own, a run's requests depend only on its seed, and the greedy rounds (most of a request's planning)
 * are not repeated for every target. The probes added for coverage are drawn for each run as before.
 */
export function openingSeparation(
  groups: readonly SignatureGroup[],
  candidates: readonly DesignCandidate[],
  byStratum: Map<Stratum, number[]>,
  rng: Rng,
): Map<Stratum, number[]> {
  const designs = openingDesigns(
    groups,
    candidates.map((c) => c.weight),
  );
  const drawn = new Map<Stratum, number[]>();
  for (const stratum of STRATA) {
    const draw = rng.int(0, OPENINGS - 1);
    // a stratum small enough to be weighed whole has one design whatever the seed
    const variant = samplesFrom(byStratum.get(stratum)!.length) ? draw : 0;
    const designed = designs.get(stratum)!;
    designed[variant] ??= separatingProbes({
      candidates,
      allowed: byStratum.get(stratum)!,
      maxTokens: PACK_TOKENS.max,
      margin: MARGIN,
      rng: seededRng(seedFromString(`opening ${stratum} ${variant}`)),
    });
    drawn.set(stratum, designed[variant]);
  }
  return drawn;
}
