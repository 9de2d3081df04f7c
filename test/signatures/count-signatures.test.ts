import { describe, expect, it } from 'vitest';
import { frameText } from '../../src/probes/frame.js';
import { readProbePool } from '../../src/probes/pool-file.js';
import { committedIndexDir } from '../../src/references/catalog.js';
import { buildCountSignatures, poolHash } from '../../src/signatures/count-signatures.js';
import { readCountSignatures } from '../../src/signatures/count-signatures-file.js';
import { probePoolDir } from '../../src/signatures/index-section.js';
import { seededRng } from '../../src/util/rng.js';
import { committedTokenizer } from '../helpers/manifest-references.js';

describe('count signatures', () => {
  it('the committed file matches the committed pool and stays small', async () => {
    const signatures = await readCountSignatures(committedIndexDir());
    expect(signatures.poolHash).toBe(poolHash(readProbePool(probePoolDir())));
    expect(JSON.stringify(signatures).length).toBeLessThan(3_000_000);
    for (const reference of signatures.references) expect(reference.counts).toHaveLength(signatures.probes.length);
  });

  it.each(['cl100k', 'gemma3', 'mistral-v1', 'command-r', 'baichuan2'])(
    'sums of probe counts predict whole packs exactly for %s',
    async (id) => {
      const tokenizer = await committedTokenizer(id);
      const pool = readProbePool(probePoolDir());
      const signatures = buildCountSignatures(new Map([[id, tokenizer]]), pool);
      const [reference] = signatures.references;
      const byId = new Map(pool.map((p) => [p.id, p]));
      const rng = seededRng(11);
      for (let pack = 0; pack < 20; pack++) {
        const chosen = rng.shuffle([...signatures.probes.keys()]).slice(0, 40);
        const predicted = reference.frame + chosen.reduce((sum, i) => sum + reference.counts[i], 0);
        const text = frameText(chosen.map((i) => byId.get(signatures.probes[i])!.text));
        expect(tokenizer.encode(text).length).toBe(predicted);
      }
    },
  );

  it('drops a probe that merges with its neighbours', async () => {
    const tokenizer = await committedTokenizer('cl100k');
    const pool = [
      { id: 'ok', text: 'information', category: 'words' as const, why: '', source: 'handwritten' as const },
      { id: 'edge', text: ' leading space', category: 'words' as const, why: '', source: 'handwritten' as const },
    ];
    const signatures = buildCountSignatures(new Map([['cl100k', tokenizer]]), pool);
    expect(signatures.probes).toEqual(['ok']);
    expect(signatures.dropped.map((d) => d.probe)).toEqual(['edge']);
  });
});
