import { describe, expect, it } from 'vitest';
import { UNTOUCHED_BY_KIND } from '../../src/scoring/noise.js';
import { noisyGroupLikelihoods } from '../../src/scoring/noisy-likelihood.js';
import type { CountSignature } from '../../src/signatures/observations.js';

/**
 * One tokenizer's predictions for the bare frame, four stratum packs and two more requests (`last`: the edge check asked
 * twice, or two edge checks of other probes), billed with the deviations given on top of a hidden part of 500 tokens;
 * the frame was asked again twice and moved by a token each time.
 */
function likelihoods(deviations: number[], last: 'same' | 'different') {
  const packs = [[], [1, 2], [3, 4], [5, 6], [7, 8], [10, 11, 12], last === 'same' ? [10, 11, 12] : [13, 14, 15]];
  const predicted = [0, 300, 280, 320, 310, 800, 800];
  const signature: CountSignature = {
    packs,
    observed: predicted.map((p, k) => 500 + p + deviations[k]),
    untouched: packs.map((pack, k) => (!pack.length ? 1 : k >= 5 ? UNTOUCHED_BY_KIND.edge : UNTOUCHED_BY_KIND.stratum)),
    moves: [1, -1],
  };
  const out = noisyGroupLikelihoods(signature, predicted, 1, [0], signature.moves!);
  return { match: out.match[0], derived: out.derived[0] };
}

describe('a pack asked again under a hidden part that moves', () => {
  it('straying alike both times, a few tokens past what the frame moved, reads as a change', () => {
    const { match, derived } = likelihoods([0, 1, -1, 0, 1, -4, -4], 'same');
    expect(derived).toBeGreaterThan(match);
  });

  it('straying as far once reads as the noise', () => {
    const { match, derived } = likelihoods([0, 1, -1, 0, 1, -4, 0], 'different');
    expect(derived).toBeLessThan(match);
  });

  it('straying unlike, further apart than the frame moved, reads as the noise', () => {
    const { match, derived } = likelihoods([0, 1, -1, 0, 1, -6, -2], 'same');
    expect(derived).toBeLessThan(match);
  });

  it('reads a stray up as it reads the same stray down', () => {
    const up = likelihoods([0, 1, -1, 0, 1, 3, 4], 'same');
    const down = likelihoods([0, -1, 1, 0, -1, -3, -4], 'same');
    expect(up.derived / up.match).toBeCloseTo(down.derived / down.match, 6);
  });
});
