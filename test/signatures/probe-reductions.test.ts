import { describe, expect, it } from 'vitest';
import type { Probe } from '../../src/probes/probe.js';
import { rarestTokenIds } from '../../src/references/rarest-tokens.js';
import { DEEP_MERGES, probeReductions } from '../../src/signatures/probe-reductions.js';
import { frameText } from '../../src/probes/frame.js';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { applyVocabularyChanges } from '../../src/targets/vocabulary-changes.js';
import { committedEntry, committedTokenizer } from '../helpers/manifest-references.js';

const probe = (id: string, text: string): Probe => ({ id, text, category: 'words', why: '', source: 'handwritten' });

describe('probe reductions', () => {
  it('count what split digits, isolated punctuation and pruned rare merges would add (Llama 3)', async () => {
    const llama3 = await committedTokenizer('llama3');
    const decoder = new TextDecoder();
    const rareTexts = [...rarestTokenIds(llama3)]
      .map((id) => decoder.decode(llama3.tokenBytes(id)))
      .filter((t) => /^ [a-z]{5,}$/.test(t))
      .slice(0, 3);
    expect(rareTexts).toHaveLength(3);
    const probes = [
      probe('digits', '1234567'),
      probe('dots', 'Wait...'),
      probe('call', 'f(x);'),
      probe('plain', 'the house'),
      probe('rare', rareTexts.map((t) => t.trim()).join(' ')),
    ];
    const reductions = probeReductions(llama3, probes);
    // Llama 3 groups digits by three: 123 456 7 becomes seven tokens, four more.
    expect(llama3.encode('1234567')).toHaveLength(3);
    expect(reductions.digits.digits).toBe(4);
    // Before the separator Llama 3 reads "...\n\n" as one piece; isolated, "..." stands apart from the newlines.
    const dots = (t: string) => llama3.withSplit!('punctuation')(t).length - llama3.encode(t).length;
    expect(reductions.punctuation.dots ?? 0).toBe(dots(frameText(['Wait...'])) - dots(frameText([])));
    expect(reductions.punctuation.dots).toBeGreaterThan(0);
    // Llama 3 reads f (x ); where isolated punctuation runs give f ( x ): one token more, and one more in a
    // request, where ");" takes the separator's newlines with it unless it stands apart.
    expect(llama3.encode('f(x);').map((id) => llama3.tokenString(id))).toEqual(['f', '(x', ');']);
    expect(llama3.encode(frameText(['f(x);'])).map((id) => llama3.tokenString(id))).toContain(');ĊĊ');
    expect(reductions.punctuation.call).toBe(2);
    expect(reductions.digits.plain).toBeUndefined();
    expect(reductions.punctuation.plain).toBeUndefined();
    expect(reductions.rare.plain).toBeUndefined();
    expect(reductions.rare.rare).toBeGreaterThanOrEqual(2);
  });

  it('are measured inside the request frame, where a SentencePiece vocabulary reads punctuation apart already (Mistral v0.1)', async () => {
    const entry = committedEntry('mistral-v1');
    const files = await fetchReferenceFiles(entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() });
    const mistral = await committedTokenizer('mistral-v1');
    const split = applyVocabularyChanges(files, mistral, [{ kind: 'pre-tokenizer', split: 'punctuation' }]);
    const texts = ['!==', '@Override', 'She said (quietly) "no".', 'the house', 'a, b; c: d'];
    const probes = texts.map((text, i) => probe(`p${i}`, text));
    const reductions = probeReductions(mistral, probes);
    // Alone, "▁!==" is one token that isolated punctuation splits; after the separator it is "!", "==" either way.
    expect(split.encode('!==').length).toBeGreaterThan(mistral.encode('!==').length);
    const inFrame = (t: typeof mistral, text: string) =>
      t.encode(frameText([text])).length - t.encode(frameText([])).length;
    for (const p of probes)
      expect(reductions.punctuation[p.id] ?? 0).toBe(Math.max(0, inFrame(split, p.text) - inFrame(mistral, p.text)));
    expect(reductions.punctuation.p0).toBeUndefined();
    expect(Object.keys(reductions.punctuation).length).toBeGreaterThan(0);
  });
});

describe('the deep reduction', () => {
  it('counts the tokens a copy pruned by DEEP_MERGES merges loses, far past the rare ones, and no common word (Llama 3)', async () => {
    const llama3 = await committedTokenizer('llama3');
    const decoder = new TextDecoder();
    const rare = rarestTokenIds(llama3);
    // words built by merges past the last 2,000 but within the last DEEP_MERGES
    const deepOnly = [...rarestTokenIds(llama3, DEEP_MERGES)]
      .filter((id) => !rare.has(id))
      .map((id) => decoder.decode(llama3.tokenBytes(id)))
      .filter((t) => /^ [a-z]{6,}$/.test(t))
      .slice(0, 4);
    expect(deepOnly).toHaveLength(4);
    const reductions = probeReductions(llama3, [
      probe('deep', deepOnly.map((t) => t.trim()).join(' ')),
      probe('plain', 'the house is on the hill'),
    ]);
    expect(reductions.deep?.deep).toBeGreaterThanOrEqual(3);
    expect(reductions.rare.deep).toBeUndefined();
    expect(reductions.deep?.plain).toBeUndefined();
  });
});

describe('the marks reduction', () => {
  it("counts what keeping combining marks apart from their letters adds: nothing for Qwen2.5, whose pattern does so, and tokens for Qwen3.5's pattern on the same vocabulary", async () => {
    const qwen25 = await committedTokenizer('qwen2.5');
    const qwen35 = await committedTokenizer('qwen3.5-split');
    const texts = ['ยินดีที่ได้รู้จัก', 'สวัสดีครับ', 'the house', 'I ❤️ it'];
    const probes = texts.map((text, i) => probe(`p${i}`, text));
    const inFrame = (t: typeof qwen25, text: string) =>
      t.encode(frameText([text])).length - t.encode(frameText([])).length;
    // Qwen2.5's pattern already starts a piece at a mark after a letter, so its split variant counts alike.
    expect(Object.keys(probeReductions(qwen25, probes).marks)).toEqual([]);
    const marks = probeReductions(qwen35, probes).marks;
    for (const p of probes.slice(0, 2)) {
      // Where the two patterns part, Qwen3.5 counts fewer, and the reduction sees at least part of the difference.
      const apart = inFrame(qwen25, p.text) - inFrame(qwen35, p.text);
      expect(apart, p.text).toBeGreaterThan(0);
      expect(marks[p.id], p.text).toBeGreaterThan(0);
      expect(marks[p.id], p.text).toBeLessThanOrEqual(apart);
    }
    // No letters with marks, or a mark (the emoji's variation selector) after a symbol: nothing to split.
    expect(marks.p2).toBeUndefined();
    expect(marks.p3).toBeUndefined();
  });
});
