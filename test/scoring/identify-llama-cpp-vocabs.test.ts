import { describe, expect, it } from 'vitest';
import { identify } from '../../src/run/driver.js';
import { DEFAULT_BUDGET } from '../../src/scoring/identify.js';
import { createTarget } from '../../src/targets/create-target.js';
import { memoryTranscript } from '../../src/targets/transcript.js';
import { seededRng } from '../../src/util/rng.js';
import { committedCountIndex } from '../helpers/count-index.js';
import { committedTargetDeps } from '../helpers/target-deps.js';

const deps = committedTargetDeps;

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
