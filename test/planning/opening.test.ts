import { describe, expect, it } from 'vitest';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import { OPENINGS } from '../../src/planning/opening.js';
import { planNext } from '../../src/planning/planner.js';
import type { RequestRecord } from '../../src/scoring/identify.js';
import { posterior, type Posterior } from '../../src/scoring/posterior.js';
import { requestSignature } from '../../src/scoring/request-signature.js';
import { packTotal } from '../../src/signatures/observations.js';
import { seededRng } from '../../src/util/rng.js';
import { committedCountIndex } from '../helpers/count-index.js';

const frame: RequestRecord[] = [{ seq: 1, probes: [], promptTokens: 517, stratum: 'frame' }];

async function opening() {
  const index = await committedCountIndex();
  const groups = signatureGroups(index);
  return { index, groups, prior: posterior(requestSignature(frame, index), groups) };
}

describe('the first request after the bare frame', () => {
  it('depends only on the run’s seed, not on what the process planned before', async () => {
    const { index, prior } = await opening();
    const warm = signatureGroups(index);
    for (let seed = 1; seed <= 3 * OPENINGS; seed++) planNext(prior, warm, index, new Set(), seededRng(seed), frame);
    for (const seed of [2, 5, 11]) {
      const fresh = signatureGroups(index);
      expect(planNext(prior, warm, index, new Set(), seededRng(seed), frame)).toEqual(
        planNext(prior, fresh, index, new Set(), seededRng(seed), frame),
      );
    }
  });

  it('differs between targets: several openings, each keeping the references apart', async () => {
    const { index, groups, prior } = await opening();
    const plans = Array.from(
      { length: 3 * OPENINGS },
      (_, i) => planNext(prior, groups, index, new Set(), seededRng(i + 1), frame)!,
    );
    expect(new Set(plans.map((plan) => plan.pack.join(','))).size).toBeGreaterThanOrEqual(3);
    expect(new Set(plans.map((plan) => plan.stratum)).size).toBeGreaterThanOrEqual(2);
    for (const plan of plans) {
      const totals = groups.map((g) => packTotal(g.counts, plan.pack));
      let apart = 0;
      for (let x = 0; x < totals.length; x++)
        for (let y = x + 1; y < totals.length; y++) if (Math.abs(totals[x] - totals[y]) >= 4) apart++;
      expect(apart / ((totals.length * (totals.length - 1)) / 2)).toBeGreaterThan(0.9);
    }
  });

  it('is designed for the posterior at hand when an answer channel has already moved it', async () => {
    const { index, groups, prior } = await opening();
    const leaning: Posterior = {
      ...prior,
      groups: prior.groups.map((g, i) => (i < 3 ? { ...g, match: g.match * 40 } : g)),
    };
    for (let seed = 1; seed <= OPENINGS; seed++) planNext(prior, groups, index, new Set(), seededRng(seed), frame);
    for (const seed of [1, 2, 3]) {
      const fresh = signatureGroups(index);
      expect(planNext(leaning, groups, index, new Set(), seededRng(seed), frame)).toEqual(
        planNext(leaning, fresh, index, new Set(), seededRng(seed), frame),
      );
    }
  });
});
