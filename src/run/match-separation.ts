import { coreOf } from '../planning/core-check.js';
import { packBoundsUnderNoise } from '../planning/noise-packs.js';
import { PACK_TOKENS } from '../planning/pack-size.js';
import { planNext } from '../planning/planner.js';
import type { PlannedRequest } from '../planning/requests.js';
import { signatureGroups, type SignatureGroup } from '../scoring/hypotheses.js';
import type { GroupScore, Posterior } from '../scoring/posterior.js';
import {
  derivedHeldBack,
  type FrameRepeats,
  matchStrays,
  noiseReason,
  unknownHeldBack,
} from '../scoring/noise-verdict.js';
import { requestSignature } from '../scoring/request-signature.js';
import { rankedGroups, type Verdict } from '../scoring/verdict.js';
import type { CountIndex } from '../signatures/count-index.js';
import type { Observation } from '../signatures/observations.js';
import type { Rng } from '../util/rng.js';

/**
 * Under a measured spread every count fits a wrong tokenizer within a token or two now and then, and a few such
 * fits make a confident match, while the right family's changed copy explains its own strays as the change. So a
 * match under noise stands only once a request its rival's change most likely missed (not an edge check) set the
 * two apart by more than the noise reaches: there the rival's copy would count as its base, and a chance fit of
 * the leader would show.
 */

/** Packs a change more likely misses than touches: the only ones where a changed copy must count as its base. */
const LIKELY_UNTOUCHED = 0.5;

/** The group of another family than `leader`'s holding the most mass, matched or derived. */
function rivalFamily(post: Posterior, leader: GroupScore): GroupScore | undefined {
  return rankedGroups(post).find((g) => g.group.family !== leader.group.family);
}

/**
 * The rival family a match leader has not yet been set apart from, under a measured spread (undefined when it has
 * been, when the counts do not vary, or when the leader is not leaning to a match).
 */
export function unseparatedRival(
  post: Posterior,
  requests: readonly (Observation & { stratum: string })[],
  index: CountIndex,
  spread: number,
): GroupScore | undefined {
  if (!spread) return undefined;
  const [leader] = rankedGroups(post);
  if (!leader || leader.derived >= leader.match) return undefined;
  const rival = rivalFamily(post, leader);
  if (!rival) return undefined;
  const untouched = requestSignature(requests, index).untouched;
  const { margin } = packBoundsUnderNoise(PACK_TOKENS, spread);
  const apart = requests.some(
    (r, k) =>
      r.stratum !== 'frame' &&
      (untouched?.[k] ?? 0) >= LIKELY_UNTOUCHED &&
      Math.abs(leader.predicted[k] - rival.predicted[k]) >= margin,
  );
  return apart ? undefined : rival;
}

/**
 * Why a match cannot stand through the counts' noise, in a report's words, or undefined when it can (see
 * unseparatedRival).
 */
export function matchHeldBack(
  post: Posterior,
  verdict: Verdict,
  requests: readonly (Observation & { stratum: string })[],
  index: CountIndex,
  spread: number,
): string | undefined {
  if (verdict.status !== 'match') return undefined;
  const rival = unseparatedRival(post, requests, index, spread);
  if (!rival) return undefined;
  return noiseReason(
    spread,
    `no request that a change of ${rival.group.references[0]} would likely miss set ${verdict.reference} apart from it by more than that`,
  );
}

/**
 * Why a verdict cannot stand through the counts' noise: a change not clear of the spread, a tokenizer outside the
 * index claimed while the frame's counts move, or a match not yet set apart from the next family. The one rule a
 * live run's end and a rescore both apply, so they reach the same verdict and reason.
 */
export function noiseHeldBack(
  post: Posterior,
  verdict: Verdict,
  requests: readonly (Observation & { stratum: string })[],
  index: CountIndex,
  repeats: FrameRepeats,
): string | undefined {
  return (
    derivedHeldBack(post, verdict, requests, repeats, (reference) =>
      coreOf(signatureGroups(index), reference, index, repeats.spread),
    ) ??
    unknownHeldBack(post, verdict, repeats, requests) ??
    matchStrays(post, verdict, repeats) ??
    matchHeldBack(post, verdict, requests, index, repeats.spread)
  );
}

/**
 * A stratum pack designed to set the leader and `rival` apart alone (every other candidate weighed at nothing),
 * by at least the margin the spread asks for where the probes allow.
 */
export function planSeparation(
  post: Posterior,
  rival: GroupScore,
  groups: readonly SignatureGroup[],
  index: CountIndex,
  used: Set<number>,
  rng: Rng,
  sent: readonly { stratum: string }[],
  spread: number,
): PlannedRequest | undefined {
  const [leader] = rankedGroups(post);
  if (!leader) return undefined;
  const pair: Posterior = {
    unknown: 0,
    groups: post.groups.map((g) =>
      g.group === leader.group || g.group === rival.group ? g : { ...g, match: 0, derived: 0 },
    ),
  };
  return planNext(pair, groups, index, used, rng, sent, spread);
}
