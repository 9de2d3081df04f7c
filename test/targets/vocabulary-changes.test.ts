import { describe, expect, it } from 'vitest';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { applyVocabularyChanges } from '../../src/targets/vocabulary-changes.js';
import { committedEntry, committedTokenizer } from '../helpers/manifest-references.js';

async function extended(baseId: string, donorId: string, count: number) {
  const files = await fetchReferenceFiles(committedEntry(baseId), {
    cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir(),
  });
  const base = await committedTokenizer(baseId);
  const donor = await committedTokenizer(donorId);
  return {
    base,
    donor,
    extended: applyVocabularyChanges(files, base, [{ kind: 'add-tokens', count, donor, donorId }]),
  };
}

describe('vocabulary changes', () => {
  it.each(['mistral-v1', 'qwen2.5'])(
    "an extension of %s joins the donor's words where they stand in running text",
    async (baseId) => {
      const { base, donor, extended: grown } = await extended(baseId, 'deepseek-v3', 3000);
      expect(grown.vocabSize).toBeGreaterThan(base.vocabSize);
      // Words the donor holds whole after a space and the base splits there: the extension must join them in a sentence.
      const decoder = new TextDecoder();
      const words: string[] = [];
      for (let id = 0; id < donor.vocabSize && words.length < 40; id++) {
        const text = decoder.decode(donor.tokenBytes(id) ?? new Uint8Array());
        if (/^ [a-z]{4,}$/.test(text) && base.encode(`The${text}`).length > 2) words.push(text.trim());
      }
      expect(words.length).toBeGreaterThan(5);
      const sentence = `The ${words.join(' and ')}.`;
      expect(grown.encode(sentence).length).toBeLessThan(base.encode(sentence).length - words.length / 2);
    },
  );
});
