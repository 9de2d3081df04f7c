import { describe, expect, it } from 'vitest';
import { compareTokenizers } from '../../src/references/compare.js';
import { estimateSimilarity, vocabFingerprint, type VocabFingerprint } from '../../src/references/fingerprint.js';
import { createTokenizer } from '../../src/references/formats/index.js';
import {
  extendVocabulary,
  realTokenizer,
  realTokenizerFiles,
  reserialise,
  type RealTokenizerName,
} from '../helpers/real-tokenizers.js';

const fingerprints = new Map<RealTokenizerName, VocabFingerprint>();
async function fingerprintOf(name: RealTokenizerName): Promise<VocabFingerprint> {
  if (!fingerprints.has(name)) fingerprints.set(name, vocabFingerprint(await realTokenizer(name)));
  return fingerprints.get(name)!;
}

describe('vocabFingerprint', () => {
  it('is a few KB of JSON that survives a round trip and does not depend on file layout', async () => {
    const fp = await fingerprintOf('qwen2.5');
    const json = JSON.stringify(fp);
    expect(json.length).toBeLessThan(4096);
    expect(JSON.parse(json)).toEqual(fp);
    expect(fp).toMatchObject({ schema: 1, vocabSize: 151_665, baseSize: 151_643 });

    const files = await realTokenizerFiles('qwen2.5');
    const copy = vocabFingerprint(createTokenizer('hf-json', { main: reserialise(files.main), config: files.config }));
    expect(copy).toEqual(fp);
    expect(estimateSimilarity(fp, copy).likely).toBe('identical');
  });

  it('estimates Qwen2.5 and Qwen3 as one vocabulary with different added tokens', async () => {
    const similarity = estimateSimilarity(await fingerprintOf('qwen2.5'), await fingerprintOf('qwen3'));
    expect(similarity).toMatchObject({ jaccard: 1, aInB: 1, bInA: 1, idBlockAgreement: 1, likely: 'derived' });
    expect(similarity.sameStructure).toEqual({
      modelType: true,
      normalizer: true,
      preTokenizer: true,
      merges: true,
      addedTokens: false,
    });
  });

  it('estimates Llama 3 and Gemma 3 as unrelated, close to the exact overlap', async () => {
    const [llama3, gemma3] = await Promise.all([realTokenizer('llama3'), realTokenizer('gemma3')]);
    const similarity = estimateSimilarity(await fingerprintOf('llama3'), await fingerprintOf('gemma3'));
    const exact = compareTokenizers(llama3, gemma3).vocabulary;
    expect(similarity.likely).toBe('unrelated');
    expect(similarity.idBlockAgreement).toBe(0);
    // k = 256 gives a standard error of about 0.03 at this Jaccard.
    expect(Math.abs(similarity.jaccard - exact.jaccard)).toBeLessThan(0.1);
    expect(Math.abs(similarity.aInB - exact.aInB)).toBeLessThan(0.12);
    expect(similarity.sameStructure.preTokenizer).toBe(false);
  });

  it('sees an extended Qwen2.5 as derived, with its ids intact', async () => {
    const files = await realTokenizerFiles('qwen2.5');
    const extended = vocabFingerprint(
      createTokenizer('hf-json', { main: extendVocabulary(files.main, 1_200).bytes, config: files.config }),
    );
    const similarity = estimateSimilarity(await fingerprintOf('qwen2.5'), extended);
    expect(similarity.likely).toBe('derived');
    expect(similarity.aInB).toBeGreaterThan(0.97);
    expect(similarity.idBlockAgreement).toBe(1);
    expect(similarity.sameStructure.merges).toBe(false);
  });

  it('rejects a fingerprint whose MinHash has the wrong length', async () => {
    const fp = await fingerprintOf('qwen2.5');
    expect(() => estimateSimilarity(fp, { ...fp, minhash: 'AAAA' })).toThrow(/minhash holds 3 bytes/);
  });
});
