import { describe, expect, it } from 'vitest';
import { identify } from '../../src/run/driver.js';
import { DEFAULT_BUDGET } from '../../src/scoring/identify.js';
import { createTarget } from '../../src/targets/create-target.js';
import { seededRng } from '../../src/util/rng.js';
import { committedCountIndex, withoutClassOf } from '../helpers/count-index.js';
import { committedTargetDeps } from '../helpers/target-deps.js';

/**
 * Behind a hidden request id that moves the counts 1-4 tokens, a tokenizer outside the index lands within the
 * noise of some indexed class's counts on a pack or two by chance far more often than to the token. Yi left out of
 * the index was read `derived r50k` and `derived deepseek-coder` (0.96-0.99) on 2 of 8 seeds: a change of an
 * unrelated family claimed. Such a claim now waits for the named class's core.
 */
describe('a tokenizer outside the index behind a hidden part that moves', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('names no indexed class (seed %i)', async (seed) => {
    const index = withoutClassOf(await committedCountIndex(), 'yi');
    const result = await identify({
      target: await createTarget('sim:yi?vary=id&spread=2', committedTargetDeps),
      index,
      budget: DEFAULT_BUDGET,
      rng: seededRng(seed),
    });
    expect(result.noise?.spread).toBeGreaterThan(0);
    expect(['unknown', 'inconclusive']).toContain(result.verdict.status);
    if (result.verdict.status === 'inconclusive')
      expect(result.noise?.reason).toMatch(
        /counts vary by about \d+ tokens? (between identical requests|around \S+ predictions)/,
      );
  });
});
