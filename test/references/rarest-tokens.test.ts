import { describe, expect, it } from 'vitest';
import { RARE_MERGES, rarestTokenIds } from '../../src/references/rarest-tokens.js';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { applyVocabularyChanges } from '../../src/targets/vocabulary-changes.js';
import { committedEntry, committedTokenizer } from '../helpers/manifest-references.js';

describe('rarest tokens', () => {
  it("are the whitespace runs p50k adds at the end of r50k's ranks", async () => {
    const p50k = await committedTokenizer('p50k');
    const rare = rarestTokenIds(p50k);
    expect(rare.size).toBe(RARE_MERGES);
    for (let id = 50257; id <= 50280; id++) expect(rare.has(id)).toBe(true);
    expect(rare.has(50256)).toBe(false); // <|endoftext|> is special, not rare
    expect(rare.has(262)).toBe(false); // " the"
  });

  it('are what a copy pruned of its last merges can no longer build (Qwen2.5)', async () => {
    const entry = committedEntry('qwen2.5');
    const files = await fetchReferenceFiles(entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() });
    const qwen = await committedTokenizer('qwen2.5');
    const pruned = applyVocabularyChanges(files, qwen, [{ kind: 'drop-merges', count: RARE_MERGES }]);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const texts = [...rarestTokenIds(qwen)].flatMap((id) => {
      try {
        // Compatibility ideographs are normalised to other characters first: only tokens that encode to themselves.
        const text = decoder.decode(qwen.tokenBytes(id));
        const ids = qwen.encode(text);
        return ids.length === 1 && ids[0] === id ? [text] : [];
      } catch {
        return [];
      }
    });
    expect(texts.length).toBeGreaterThan(500);
    for (const text of texts.slice(0, 200)) expect(pruned.encode(text).length).toBeGreaterThan(1);
    // and an ordinary word survives the pruning whole
    expect(pruned.encode(' information')).toEqual(qwen.encode(' information'));
  });
});
