import { describe, expect, it } from 'vitest';
import { isFrameSafe } from '../../src/probes/frame.js';
import { readProbePool } from '../../src/probes/pool-file.js';
import { probePoolDir } from '../../src/signatures/index-section.js';

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
