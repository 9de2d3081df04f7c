import { describe, expect, it } from 'vitest';
import { noiseLine } from '../../src/report/noise-line.js';

describe('the noise line', () => {
  it('names the spread and what measured it, packs asked again included', () => {
    expect(noiseLine({ spread: 2, repeats: 1, packChecks: 1, repeatTokens: 844 })).toBe(
      "noise: identical requests' counts vary by about 2 tokens (measured with 1 repeat of the bare frame and 1 pack asked again, 844 prompt tokens)",
    );
  });

  it('never says counts vary by 0 tokens: held back before any move showed, it says they were billed alike so far', () => {
    const line = noiseLine({ spread: 0, repeats: 1, repeatTokens: 29, reason: 'every count lies within 8 tokens' });
    expect(line).not.toMatch(/about 0 token/);
    expect(line).toBe(
      'noise: identical requests were billed alike so far (checked with 1 repeat of the bare frame, 29 prompt tokens); every count lies within 8 tokens',
    );
  });
});
