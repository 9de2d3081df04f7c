import { describe, expect, it } from 'vitest';
import { identify } from '../../src/run/driver.js';
import { rescore } from '../../src/run/rescore.js';
import { createTarget } from '../../src/targets/create-target.js';
import { seededRng } from '../../src/util/rng.js';
import { committedCountIndex, withoutClassOf } from '../helpers/count-index.js';
import { committedTargetDeps } from '../helpers/target-deps.js';

// Gemma 2 with its class left out, a budget with no room past --max-queries: the counts lean to a changed Gemma 3
// (0.910) when the budget runs out, neither Gemma's edges nor its core ever asked. Named so, a tokenizer outside the
// index would read as a changed copy of another vocabulary.
describe('a change the budget ran out on before its family was checked', () => {
  it('names nothing, live and on rescore alike', async () => {
    const index = withoutClassOf(await committedCountIndex(), 'gemma2');
    const live = await identify({
      target: await createTarget('sim:gemma2?template=plain&system=900', committedTargetDeps),
      index,
      budget: { maxQueries: 6, maxPromptTokens: 30_000, noiseQueries: 6 },
      rng: seededRng(12),
    });
    expect(
      live.requests.some((r) => (r.stratum === 'edge' || r.stratum === 'core') && r.tested?.startsWith('gemma')),
    ).toBe(false);
    expect(live.verdict.status).toBe('inconclusive');
    expect(live.verdict.nearest?.[0]?.reference).toMatch(/^gemma/);
    const again = rescore(live.requests, index, live.stop, undefined, [live.requests[0].promptTokens]);
    expect(again.verdict.status).toBe('inconclusive');
    expect(again.stop).toBe(live.stop);
  });
});
