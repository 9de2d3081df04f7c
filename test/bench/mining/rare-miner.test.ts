import { describe, expect, it } from 'vitest';
import { isFrameSafe } from '../../../src/probes/frame.js';
import { mineRareProbes } from '../../../bench/mining/rare-miner.js';
import { rarestTokenIds } from '../../../src/references/rarest-tokens.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

describe('rare-token miner', () => {
  it("builds probes of each reference's rarest tokens, the same for the same seed", async () => {
    const references = await Promise.all(
      ['llama3', 'qwen2.5'].map(async (id) => ({ id, tokenizer: await committedTokenizer(id) })),
    );
    const probes = mineRareProbes(references, { seed: 7, probesPerReference: 5 });
    expect(mineRareProbes(references, { seed: 7, probesPerReference: 5 })).toEqual(probes);
    expect(mineRareProbes(references, { seed: 8, probesPerReference: 5 }).map((p) => p.text)).not.toEqual(
      probes.map((p) => p.text),
    );
    for (const reference of references) {
      const own = probes.filter((p) => p.from === reference.id);
      expect(own).toHaveLength(5);
      const rare = rarestTokenIds(reference.tokenizer);
      for (const probe of own) {
        expect(isFrameSafe(probe.text)).toBe(true);
        expect(reference.tokenizer.encode(probe.text).filter((id) => rare.has(id)).length).toBeGreaterThanOrEqual(3);
      }
    }
    expect(new Set(probes.map((p) => p.id)).size).toBe(probes.length);
  });

  it('leaves out texts the pool already holds', async () => {
    const references = [{ id: 'llama3', tokenizer: await committedTokenizer('llama3') }];
    const first = mineRareProbes(references, { seed: 7, probesPerReference: 3 });
    const again = mineRareProbes(references, {
      seed: 7,
      probesPerReference: 3,
      taken: new Set(first.map((p) => p.text)),
    });
    expect(again.some((p) => first.some((f) => f.text === p.text))).toBe(false);
  });
});
