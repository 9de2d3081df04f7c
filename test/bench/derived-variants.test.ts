import { describe, expect, it } from 'vitest';
import { derivedTargets, derivedVariants, type LoadedBenchReference } from '../../bench/accuracy-trials.js';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { seededRng } from '../../src/util/rng.js';
import { committedEntry, committedTokenizer } from '../helpers/manifest-references.js';

async function benchReference(id: string): Promise<LoadedBenchReference> {
  const entry = committedEntry(id);
  const files = await fetchReferenceFiles(entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() });
  return { entry, files, tokenizer: await committedTokenizer(id) };
}

describe('derived bench variants', () => {
  it('with no donor of another family loaded, draws only the changes made in place', async () => {
    const internlm2 = await benchReference('internlm2');
    const kinds = derivedVariants(internlm2, [internlm2], seededRng(7), 12).flatMap((v) =>
      v.changes.map((c) => c.kind),
    );
    expect(kinds).toHaveLength(12);
    expect(new Set(kinds).size).toBeGreaterThan(1);
    for (const kind of kinds) expect(['drop-merges', 'pre-tokenizer']).toContain(kind);
    const targets = derivedTargets(internlm2, [internlm2], seededRng(7), 1);
    expect(targets).toHaveLength(1);
    expect(targets[0].label).toMatch(/^(drop \d+ merges|pre-tokenizer: \w+)$/);
  });

  it('with a donor of another family, still draws extensions from it', async () => {
    const [internlm2, deepseek] = await Promise.all([benchReference('internlm2'), benchReference('deepseek-v3')]);
    const labels = derivedVariants(internlm2, [internlm2, deepseek], seededRng(7), 12).map((v) => v.label);
    expect(labels.some((l) => l.startsWith('add ') && l.includes('from deepseek-v3'))).toBe(true);
  });
});
