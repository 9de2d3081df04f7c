import { describe, expect, it } from 'vitest';
import { mineCommonWordProbes } from '../../../bench/mining/common-words-miner.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

const FAMILIES: [string, string][] = [
  ['llama3', 'llama'],
  ['qwen2.5', 'qwen'],
  ['gemma3', 'gemma'],
  ['mistral-nemo', 'mistral'],
  ['deepseek-v3', 'deepseek'],
];

describe('common-words miner', () => {
  it('picks words several families hold whole and another splits, per script, deterministically', async () => {
    const references = await Promise.all(
      FAMILIES.map(async ([id, family]) => ({ id, family, tokenizer: await committedTokenizer(id) })),
    );
    const probes = mineCommonWordProbes(references, { seed: 3, minFamilies: 2, probesPerScript: 2 });
    expect(mineCommonWordProbes(references, { seed: 3, minFamilies: 2, probesPerScript: 2 })).toEqual(probes);
    expect(new Set(probes.map((p) => p.category))).toEqual(
      new Set(['words', 'cyrillic', 'cjk', 'indic', 'arabic', 'thai', 'other-script']),
    );
    const whole = (tokenizer: (typeof references)[number]['tokenizer'], word: string) =>
      tokenizer.encode(word).length === 1 || tokenizer.encode(` ${word}`).length === 1;
    for (const probe of probes) {
      for (const word of probe.text.split(' ')) {
        const holding = new Set(references.filter((r) => whole(r.tokenizer, word)).map((r) => r.family));
        expect(holding.size, `${word} in ${probe.id}`).toBeGreaterThanOrEqual(2);
        expect(holding.size, `${word} in ${probe.id}`).toBeLessThanOrEqual(FAMILIES.length - 1);
      }
    }
  });
});
