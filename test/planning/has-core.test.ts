import { describe, expect, it } from 'vitest';
import { coreOf } from '../../src/planning/core-check.js';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import { committedCountIndex } from '../helpers/count-index.js';

describe('whether a class has a core to ask', () => {
  it('is so for some committed classes, not for all, and never for more at a larger spread', async () => {
    const index = await committedCountIndex();
    const groups = signatureGroups(index);
    const ids = groups.map((g) => g.references[0]);
    const at = (spread: number) => ids.filter((id) => coreOf(groups, id, index, spread) === 'strict');
    const withCore = at(0);
    // every text some vocabularies count in the fewest tokens holds a deep merge's, a digit or a punctuation token
    expect(withCore).toContain('llama3');
    expect(withCore).toContain('deepseek-v3');
    expect(withCore).not.toContain('yi');
    expect(withCore).not.toContain('r50k');
    expect(withCore.length).toBeLessThan(ids.length);
    expect(at(10).every((id) => withCore.includes(id))).toBe(true);
    expect(coreOf(groups, 'no-such-reference', index)).toBeUndefined();
  });

  it('is a near core for a class with no strict one, with or without noise', async () => {
    const index = await committedCountIndex();
    const groups = signatureGroups(index);
    // Yi counts almost every text a token above some other family
    expect(coreOf(groups, 'yi', index, 0)).toBe('near');
    expect(coreOf(groups, 'yi', index, 2)).toBe('near');
    // a class with a strict core keeps it under noise
    expect(coreOf(groups, 'llama3', index, 2)).toBe('strict');
  });
});
