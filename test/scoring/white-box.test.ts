import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ReferenceIndex } from '../../src/references/index-build.js';
import { loadHfJson } from '../../src/references/formats/hf-json.js';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { identifyWhiteBox } from '../../src/scoring/white-box.js';
import { committedEntry, committedTokenizer } from '../helpers/manifest-references.js';
import { extendVocabulary } from '../helpers/real-tokenizers.js';

const committedIndex: ReferenceIndex = JSON.parse(
  readFileSync(new URL('../../reference-tokenizers/index.json', import.meta.url), 'utf8'),
);

function withoutClass(index: ReferenceIndex, classId: string): ReferenceIndex {
  return {
    ...index,
    classes: index.classes.filter((c) => c.id !== classId),
    references: index.references.filter((r) => r.class !== classId),
  };
}

/** DeepSeek V3's tokenizer.json with 2,000 new word tokens and their merges, as a vocabulary extension would. */
async function extendedDeepSeek() {
  const files = await fetchReferenceFiles(committedEntry('deepseek-v3'), {
    cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir(),
  });
  return loadHfJson({ main: extendVocabulary(files.main, 2000).bytes, config: files.config });
}

describe('identifyWhiteBox', () => {
  it('matches a reference file to its own class', async () => {
    const result = await identifyWhiteBox(await committedTokenizer('qwen3'), committedIndex, committedTokenizer);
    expect(result.verdict.status).toBe('match');
    expect(result.verdict.class).toContain('qwen3');
    expect(result.verdict.family).toBe('qwen2');
    expect(result.verdict.confidence).toBeGreaterThan(0.9);
  });

  it('calls a vocabulary extension derived and names its base', async () => {
    const result = await identifyWhiteBox(await extendedDeepSeek(), committedIndex, committedTokenizer);
    expect(result.verdict.status).toBe('derived');
    expect(result.verdict.reference).toBe('deepseek-v3');
    expect(result.candidates[0].comparison?.changes.join(' ')).toMatch(/add/i);
  });

  it('says unknown when the tokenizer class is not indexed', async () => {
    const result = await identifyWhiteBox(
      await committedTokenizer('gemma3'),
      // Gemma 4, a near twin of Gemma 3 (6,206 of 262,144 ids differ, mostly control tokens), would read as its base
      withoutClass(withoutClass(committedIndex, 'gemma3'), 'gemma4'),
      committedTokenizer,
    );
    expect(result.verdict.status).toBe('unknown');
    expect(result.verdict.reference).toBeNull();
  });
});
