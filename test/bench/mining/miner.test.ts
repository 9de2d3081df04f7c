import { describe, expect, it } from 'vitest';
import { mineProbes } from '../../../bench/mining/miner.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

describe('mineProbes', () => {
  it('derives the same probes from real vocabularies for the same seed, and they split the references', async () => {
    const references = [
      { id: 'mistral-v1', tokenizer: await committedTokenizer('mistral-v1') },
      { id: 'yi', tokenizer: await committedTokenizer('yi') },
      { id: 'claude-legacy', tokenizer: await committedTokenizer('claude-legacy') },
    ];
    const options = { seed: 5, candidatesPerReference: 120, keepPerReference: 10 };
    const first = mineProbes(references, options);
    expect(mineProbes(references, options)).toEqual(first);
    expect(mineProbes(references, { ...options, seed: 6 })).not.toEqual(first);
    expect(first.length).toBeGreaterThan(10);
    for (const probe of first) {
      const counts = references.map(({ tokenizer }) => tokenizer.encode(probe.text).length);
      expect(new Set(counts).size, probe.text).toBeGreaterThan(1);
    }
  });
});
