import { describe, expect, it } from 'vitest';
import { isNormalizationStable } from '../../src/probes/normalization-stable.js';

describe('isNormalizationStable', () => {
  it('accepts text in NFC and NFKC, rejects text either normalization changes', () => {
    expect(isNormalizationStable('plain words, 123 — ñ 漢字 দায়িত')).toBe(true);
    // U+09DF (Bengali YYA) is a composition exclusion: NFC spells it as U+09AF U+09BC.
    expect(isNormalizationStable('\u09df')).toBe(false);
    expect(isNormalizationStable('a\u0301')).toBe(false);
    // NFKC only: a full-width digit and Thai SARA AM.
    expect(isNormalizationStable('\uff11')).toBe(false);
    expect(isNormalizationStable('\u0e33')).toBe(false);
  });
});
