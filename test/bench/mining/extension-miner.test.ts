import { describe, expect, it } from 'vitest';
import { mineExtensionProbes } from '../../../bench/mining/extension-miner.js';
import { scriptDomain } from '../../../src/probes/script-domain.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

const FAMILIES: [string, string][] = [
  ['llama3', 'llama3'],
  ['qwen2.5', 'qwen2'],
  ['gemma3', 'gemma3'],
  ['deepseek-v3', 'deepseek-v3'],
];

describe('extension miner', () => {
  it('finds, per family and script, words other families hold whole after a space and that family splits', async () => {
    const references = await Promise.all(
      FAMILIES.map(async ([id, family]) => ({ id, family, tokenizer: await committedTokenizer(id) })),
    );
    const probes = mineExtensionProbes(references, { seed: 5, probesPerScript: 1 });
    expect(mineExtensionProbes(references, { seed: 5, probesPerScript: 1 })).toEqual(probes);
    const qwenLatin = probes.find((p) => p.id === 'ext-qwen2-latin-001');
    expect(qwenLatin?.category).toBe('words');
    const byFamily = new Map(references.map((r) => [r.family, r.tokenizer]));
    for (const probe of probes.filter((p) => p.category === 'words' || p.category === 'cyrillic')) {
      const base = byFamily.get(probe.from!)!;
      for (const word of probe.text.split(' ')) {
        expect(base.encode(`a ${word}`).length, `${probe.from} splits "${word}"`).toBeGreaterThan(2);
        const holders = references.filter(
          (r) => r.family !== probe.from && r.tokenizer.encode(`a ${word}`).length === 2,
        );
        expect(holders.length, `another family holds "${word}"`).toBeGreaterThan(0);
      }
    }
    expect(new Set(probes.map((p) => p.text)).size).toBe(probes.length);
  });

  it("reads a probe's script from nearly all of its letters", () => {
    expect(scriptDomain('Привет, мир! 2024')).toBe('cyrillic');
    expect(scriptDomain('中国 ますして 한국어')).toBe('cjk');
    expect(scriptDomain('Cassidy бейҗиң шо ಪ್ರಶ್ನ')).toBeUndefined();
    expect(scriptDomain('12 + 34 = 46')).toBeUndefined();
  });
});
