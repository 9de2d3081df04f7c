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

describe('dropping merges', () => {
  // Llama 3 has merges that read a token only a later merge builds ("Ġloa" + "d" before "Ġlo" + "a" is dropped).
  it.each(['llama3', 'qwen2.5', 'mistral-v1'])(
    'a shrunk %s keeps every token its remaining merges read, so the result still loads',
    async (baseId) => {
      const files = await fetchReferenceFiles(committedEntry(baseId), {
        cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir(),
      });
      const base = await committedTokenizer(baseId);
      const shrunk = applyVocabularyChanges(files, base, [{ kind: 'drop-merges', count: 4000 }]);
      expect(shrunk.vocabSize).toBeLessThanOrEqual(base.vocabSize);
      const text = 'The unloaded pharmacokinetics of lithography were reloaded downstream.';
      expect(shrunk.encode(text).length).toBeGreaterThanOrEqual(base.encode(text).length);
    },
  );
});

describe('pruning and extending together', () => {
  // The bench's "both" variant drops merges first, then adds words the untouched base splits into pieces.
  it.each(['chatglm3', 'llama3'])('%s shrunk then extended still loads', async (baseId) => {
    const files = await fetchReferenceFiles(committedEntry(baseId), {
      cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir(),
    });
    const base = await committedTokenizer(baseId);
    const donor = await committedTokenizer('deepseek-v3');
    const changed = applyVocabularyChanges(files, base, [
      { kind: 'drop-merges', count: 20000 },
      { kind: 'add-tokens', count: 5000, donor, donorId: 'deepseek-v3' },
    ]);
    expect(changed.encode('The password reset was ASSWORD-protected.').length).toBeGreaterThan(3);
  });
});
