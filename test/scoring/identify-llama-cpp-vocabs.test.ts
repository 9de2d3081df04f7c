import { describe, expect, it } from 'vitest';
import { identify } from '../../src/run/driver.js';
import { DEFAULT_BUDGET } from '../../src/scoring/identify.js';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { createTarget, type TargetDeps } from '../../src/targets/create-target.js';
import { memoryTranscript } from '../../src/targets/transcript.js';
import { seededRng } from '../../src/util/rng.js';
import { committedCountIndex } from '../helpers/count-index.js';
import { committedEntry } from '../helpers/manifest-references.js';

const deps: TargetDeps = {
  cwd: process.cwd(),
  env: process.env,
  reference: async (id) => {
    const entry = committedEntry(id);
    return { entry, files: await fetchReferenceFiles(entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() }) };
  },
};

describe('identify against simulated APIs on the llama.cpp vocabularies', () => {
  it.each([
    ['sim:falcon?template=chatml&system=300', 'falcon'],
    ['sim:gemma4?template=gemma&system=800', 'gemma4'],
    ['sim:deepseek-coder?template=house&system=500', 'deepseek-coder'],
    ['sim:deepseek-llm?template=chatml', 'deepseek-llm'],
    ['sim:starcoder?template=plain&system=50', 'starcoder'],
    ['sim:mpt?template=chatml&system=200', 'mpt'],
  ])('%s is a match for the class holding %s', async (spec, id) => {
    const result = await identify({
      target: await createTarget(spec, deps),
      index: await committedCountIndex(),
      budget: DEFAULT_BUDGET,
      rng: seededRng(1),
      transcript: memoryTranscript(),
    });
    expect(result.verdict.status).toBe('match');
    expect(result.verdict.class).toContain(id);
    expect(result.queries).toBeLessThanOrEqual(6);
  });
});
