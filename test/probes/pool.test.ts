import { describe, expect, it } from 'vitest';
import { isFrameSafe } from '../../src/probes/frame.js';
import { mineProbes } from '../../src/probes/miner.js';
import { readProbePool } from '../../src/probes/pool-file.js';
import { probePoolDir } from '../../src/signatures/index-section.js';
import { committedTokenizer } from '../helpers/manifest-references.js';

describe('probe pool', () => {
  it('is data with provenance: unique ids, a category and a reason for every probe', () => {
    const pool = readProbePool(probePoolDir());
    expect(pool.length).toBeGreaterThan(500);
    expect(new Set(pool.map((p) => p.id)).size).toBe(pool.length);
    for (const probe of pool) {
      expect(probe.why, probe.id).not.toBe('');
      expect(isFrameSafe(probe.text), probe.id).toBe(true);
      if (probe.source === 'mined') expect(probe.from && typeof probe.seed === 'number', probe.id).toBeTruthy();
    }
    const categories = new Set(pool.map((p) => p.category));
    for (const wanted of [
      'digits',
      'whitespace',
      'cjk',
      'indic',
      'thai',
      'emoji',
      'byte-fallback',
      'special-lookalike',
      'mined-latin',
      'mined-script',
    ]) {
      expect(categories.has(wanted as never), wanted).toBe(true);
    }
  });
});

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
