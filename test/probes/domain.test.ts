import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFrameSafe } from '../../src/probes/frame.js';
import { DOMAIN_FILE, parseProbeLines, readProbePool } from '../../src/probes/pool-file.js';
import { probePoolDir } from '../../src/signatures/index-section.js';
import { realTokenizer } from '../helpers/real-tokenizers.js';

const domain = () => parseProbeLines(readFileSync(join(probePoolDir(), DOMAIN_FILE), 'utf8'), DOMAIN_FILE);

describe('domain terms', () => {
  it('are probes with provenance, apart from the scored pool', () => {
    const probes = domain();
    const pool = new Set(readProbePool(probePoolDir()).map((p) => p.id));
    expect(new Set(probes.map((p) => p.id)).size).toBe(probes.length);
    const fields = new Set(probes.map((p) => p.id.split('-')[1]));
    expect([...fields].sort()).toEqual(['chemistry', 'code', 'finance', 'german', 'law', 'medicine']);
    for (const probe of probes) {
      expect(probe.source, probe.id).toBe('handwritten');
      expect(isFrameSafe(probe.text), probe.id).toBe(true);
      expect(pool.has(probe.id), probe.id).toBe(false);
    }
  });

  it('are words a real vocabulary splits, so a copy extended with them counts fewer tokens', async () => {
    const qwen = await realTokenizer('qwen2.5');
    const words = domain().flatMap((p) => p.text.split(' '));
    const split = words.filter((w) => qwen.encode(` ${w}`).length >= 2);
    expect(split.length / words.length).toBeGreaterThan(0.6);
  });
});
