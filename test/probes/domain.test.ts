import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFrameSafe } from '../../src/probes/frame.js';
import { DOMAIN_FILE, parseProbeLines, readProbePool } from '../../src/probes/pool-file.js';
import { isDomainProbe } from '../../src/probes/domain.js';
import { probeStrata } from '../../src/planning/probe-strata.js';
import { probePoolDir } from '../../src/signatures/index-section.js';
import { realTokenizer } from '../helpers/real-tokenizers.js';

const domain = () => parseProbeLines(readFileSync(join(probePoolDir(), DOMAIN_FILE), 'utf8'), DOMAIN_FILE);

describe('domain terms', () => {
  it('are probes with provenance in the scored pool, left to the edge check', () => {
    const probes = domain();
    const pool = new Set(readProbePool(probePoolDir()).map((p) => p.id));
    const { byStratum } = probeStrata(readProbePool(probePoolDir()));
    const stratified = new Set([...byStratum.values()].flat());
    expect(new Set(probes.map((p) => p.id)).size).toBe(probes.length);
    const fields = new Set(probes.map((p) => p.id.split('-')[1]));
    expect([...fields].sort()).toEqual(['chemistry', 'code', 'finance', 'german', 'law', 'medicine']);
    for (const probe of probes) {
      expect(probe.source, probe.id).toBe('handwritten');
      expect(isFrameSafe(probe.text), probe.id).toBe(true);
      expect(isDomainProbe(probe), probe.id).toBe(true);
      expect(pool.has(probe.id), probe.id).toBe(true);
    }
    // the stratum packs leave them out: they tell no indexed class from another
    const ids = readProbePool(probePoolDir()).map((p) => p.id);
    for (const at of stratified) expect(isDomainProbe({ id: ids[at] }), ids[at]).toBe(false);
    for (const probe of probes) {
      expect(stratified.has(ids.indexOf(probe.id)), probe.id).toBe(false);
    }
  });

  it('are words a real vocabulary splits, so a copy extended with them counts fewer tokens', async () => {
    const qwen = await realTokenizer('qwen2.5');
    const words = domain().flatMap((p) => p.text.split(' '));
    const split = words.filter((w) => qwen.encode(` ${w}`).length >= 2);
    expect(split.length / words.length).toBeGreaterThan(0.6);
  });
});
