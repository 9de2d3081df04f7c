import { describe, expect, it } from 'vitest';
import { frameSpread } from '../../src/scoring/frame-spread.js';
import { NOISE_CEILING } from '../../src/scoring/noise-verdict.js';
import { JUMP, jumpShare, measuredSpread } from '../../src/scoring/noisy-likelihood.js';

describe('the spread the bare frame’s counts are read through', () => {
  it('is the one the moves point to, when within the ceiling', () => {
    for (const moves of [[2], [2, -1], [5, -4, 3], [73, 0]]) expect(frameSpread(moves)).toBe(measuredSpread(moves));
  });

  it('reads a count far from the others as a jump, the first count included', () => {
    // billed 94, then 47 and 46: the first frame carried a memory
    expect(measuredSpread([-47, -48])).toBeGreaterThan(NOISE_CEILING);
    expect(frameSpread([-47, -48])).toBeLessThanOrEqual(2);
    // 82, then 140 (a memory on the first repeat) and 85
    expect(frameSpread([58, 3])).toBeLessThanOrEqual(3);
  });

  it('keeps a spread past the ceiling where no count lies past any spread weighed, or one move alone shows it', () => {
    expect(frameSpread([30, -30])).toBe(measuredSpread([30, -30]));
    expect(frameSpread([25, 5])).toBe(measuredSpread([25, 5]));
    expect(frameSpread([85])).toBe(measuredSpread([85]));
  });
});

describe('how often the hidden part jumps', () => {
  it('is the usual rare share until the frame’s counts show a jump, then the share of them that jumped', () => {
    expect(jumpShare([])).toBe(JUMP.share);
    expect(jumpShare([3, -2, 1])).toBe(JUMP.share);
    expect(jumpShare([-47, -48])).toBeCloseTo(1 / 3);
    expect(jumpShare([0, 120, 1, -1])).toBeCloseTo(1 / 5);
  });
});
