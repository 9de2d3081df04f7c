import { describe, expect, it } from 'vitest';
import { residualSpreadWeights, SPREADS } from '../../src/scoring/noisy-likelihood.js';
import { residualSpread, strayBeyondSamples } from '../../src/scoring/spread-estimate.js';
import { seededRng } from '../../src/util/rng.js';

/** `n` residuals sharing the constant `constant`, each moved uniformly by up to `spread` tokens either side. */
function draws(n: number, spread: number, constant: number, seed: number): number[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => constant + rng.int(-spread, spread));
}

describe('spread read from residuals that share one constant', () => {
  it.each([1, 2, 5, 10])('settles near the true spread of +-%i from twelve samples', (spread) => {
    for (let seed = 1; seed <= 5; seed++) {
      const estimate = residualSpread(draws(12, spread, 40, seed));
      expect(estimate).toBeGreaterThanOrEqual(Math.max(1, spread - 2));
      expect(estimate).toBeLessThanOrEqual(spread + 3);
    }
  });

  it('leaves a single sample, which shows no move, to the flat prior', () => {
    const weights = residualSpreadWeights([7]);
    expect(new Set(weights).size).toBe(1);
    expect(weights.length).toBe(SPREADS.length);
  });

  it('does not depend on the constant the residuals share', () => {
    const samples = draws(6, 3, 0, 9);
    expect(residualSpreadWeights(samples.map((r) => r + 250))).toEqual(residualSpreadWeights(samples));
  });

  it('believes larger spreads less as more samples stay close', () => {
    const few = residualSpreadWeights([0, 2, 1]);
    const many = residualSpreadWeights([0, 2, 1, 0, 2, 1, 1, 0]);
    const wide = SPREADS.indexOf(8);
    expect(many[wide]).toBeLessThan(few[wide] / 10);
  });
});

describe('a stray judged against the samples of the noise', () => {
  it('is clear only past twice the spread and a seam from the farthest sample', () => {
    const samples = [-1, 0, 2];
    // under +-2 the constant lies in [0, 1], so counts of the same tokenizer reach [-2, 3], a seam's 2 tokens more
    expect(strayBeyondSamples(-4, samples, 2)).toBe(0);
    expect(strayBeyondSamples(-7, samples, 2)).toBe(3);
    expect(strayBeyondSamples(5, samples, 2)).toBe(0);
    expect(strayBeyondSamples(8, samples, 2)).toBe(3);
    expect(strayBeyondSamples(-7, samples, 4)).toBeLessThanOrEqual(0);
  });
});
