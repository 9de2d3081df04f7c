import { STRATA } from '../probes/probe.js';
import type { SignatureGroup } from '../scoring/hypotheses.js';
import { unknownWindow, type Posterior } from '../scoring/posterior.js';
import type { CountIndex } from '../signatures/count-index.js';
import { packTotal } from '../signatures/observations.js';
import type { Rng } from '../util/rng.js';
import { designPack } from './design.js';
import { expectedInformationGain } from './information-gain.js';
import { openingSeparation } from './opening.js';
import { packBoundsUnderNoise } from './noise-packs.js';
import { stratumPackTokens } from './pack-size.js';
import { probeStrata } from './probe-strata.js';
import type { PlannedRequest, SentRequest } from './requests.js';
import { vocabularyEdge } from './vocabulary-edge.js';

/**
 * The next count request: one pack per stratum designed against the current posterior, the one with the
 * most expected information kept. None when every stratum's probes are used up.
 */
export function planNext(
  post: Posterior,
  groups: readonly SignatureGroup[],
  index: CountIndex,
  used: Set<number>,
  rng: Rng,
  sent: readonly SentRequest[],
  /** Tokens identical requests' counts move either side, once measured. */
  spread = 0,
  /** Prompt tokens the budget leaves for this pack: a grown pack that would not fit keeps the usual size. */
  room = Number.POSITIVE_INFINITY,
): PlannedRequest | undefined {
  const size = packBoundsUnderNoise(stratumPackTokens(post.unknown, spread, room), spread);
  const weights = post.groups.map((s) => s.match + s.derived);
  const candidates = groups.map((group, i) => ({ counts: group.counts, weight: weights[i] }));
  const sentStrata = new Set(sent.map((r) => r.stratum));
  const { labels, byStratum } = probeStrata(index.probes);
  const priority = vocabularyEdge(groups, weights);
  const opening = used.size === 0 ? openingSeparation(groups, candidates, byStratum, rng) : undefined;
  let best: PlannedRequest | undefined;
  let bestScore = -Infinity;
  for (const stratum of STRATA) {
    const allowed = byStratum.get(stratum)!.filter((i) => !used.has(i));
    if (!allowed.length) continue;
    const pack = designPack({
      candidates,
      allowed,
      maxTokens: size.maxTokens,
      minTokens: size.minTokens,
      margin: size.margin,
      rng,
      labels,
      priority,
      separating: opening?.get(stratum),
    });
    if (!pack.length) continue;
    const predicted = groups.map((g) => packTotal(g.counts, pack));
    const { lo, hi } = unknownWindow(predicted);
    const gain = expectedInformationGain(
      predicted.map((p, i) => ({ predicted: p, weight: weights[i] })),
      post.unknown,
      lo,
      hi,
    );
    // A stratum not yet asked about is worth more than its gain alone says: a changed vocabulary
    // usually leaves some stratum untouched, and only a fresh stratum can show which.
    const score = gain * (sentStrata.has(stratum) ? 0.5 : 1);
    if (score > bestScore) {
      bestScore = score;
      best = { stratum, pack, gain, cost: Math.max(...predicted) };
    }
  }
  return best;
}
