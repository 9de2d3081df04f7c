import { describe, expect, it } from 'vitest';
import { buildReferenceIndex, segmentationKey, type LoadedReference } from '../../src/references/index-build.js';
import { loadHfJson } from '../../src/references/formats/hf-json.js';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { committedEntry, committedTokenizer } from '../helpers/manifest-references.js';

async function loaded(id: string): Promise<LoadedReference> {
  return { entry: committedEntry(id), tokenizer: await committedTokenizer(id) };
}

/** Qwen 2.5's tokenizer.json with extra vocabulary entries and the merges that build them. */
async function qwenWithAddedMerges(): Promise<LoadedReference> {
  const files = await fetchReferenceFiles(committedEntry('qwen2.5'), {
    cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir(),
  });
  const json = JSON.parse(new TextDecoder().decode(files.main));
  const vocab: Record<string, number> = json.model.vocab;
  let next =
    [...Object.values(vocab), ...json.added_tokens.map((t: { id: number }) => t.id)].reduce((a, b) => Math.max(a, b)) +
    1;
  const stringMerges = typeof json.model.merges[0] === 'string';
  // Words the base splits into several pieces become single tokens, with merges chaining the pieces.
  const base = loadHfJson({ main: files.main, config: files.config });
  for (const word of [' tokprinting', ' fingerprinted', ' lineageworthy']) {
    const pieces = base.encode(word).map((id) => base.tokenString(id)!);
    let left = pieces[0];
    for (const right of pieces.slice(1)) {
      json.model.merges.push(stringMerges ? `${left} ${right}` : [left, right]);
      left += right;
      if (!(left in vocab)) vocab[left] = next++;
    }
  }
  const tokenizer = loadHfJson({ main: new TextEncoder().encode(JSON.stringify(json)), config: files.config });
  return { entry: { ...committedEntry('qwen2.5'), id: 'qwen2.5-extended' }, tokenizer };
}

describe('buildReferenceIndex', () => {
  it('puts references with the same base vocabulary into one class and separates the rest', async () => {
    const references = await Promise.all(['qwen2.5', 'qwen3', 'llama3', 'llama3.1', 'deepseek-v3'].map(loaded));
    const index = buildReferenceIndex(references);
    const classOf = Object.fromEntries(index.references.map((r) => [r.id, r.class]));
    expect(classOf.qwen3).toBe(classOf['qwen2.5']);
    expect(classOf['llama3.1']).toBe(classOf.llama3);
    expect(new Set([classOf['qwen2.5'], classOf.llama3, classOf['deepseek-v3']]).size).toBe(3);
    expect(index.classes.find((c) => c.id === 'qwen2.5')?.members).toEqual(['qwen2.5', 'qwen3']);
    expect(index.classes.find((c) => c.id === 'llama3')?.models).toContain('Llama 3.1');
  });

  it('gives a tokenizer with added merges a class of its own', async () => {
    const references = [await loaded('qwen2.5'), await qwenWithAddedMerges()];
    const index = buildReferenceIndex(references);
    expect(index.classes).toHaveLength(2);
  });

  it('keys segmentations by token bytes, so the same split under other ids is the same key', async () => {
    const qwen = await committedTokenizer('qwen2.5');
    const corpus = ['hello world', '你好'];
    const shifted = {
      ...qwen,
      encode: (text: string) => qwen.encode(text).map((id) => id + 1),
      tokenBytes: (id: number) => qwen.tokenBytes(id - 1),
    };
    expect(segmentationKey(shifted, corpus)).toBe(segmentationKey(qwen, corpus));
    expect(segmentationKey(await committedTokenizer('llama3'), ['你好吗？我很好。'])).not.toBe(
      segmentationKey(qwen, ['你好吗？我很好。']),
    );
  });
});
