import { describe, expect, it } from 'vitest';
import { identify } from '../../src/run/driver.js';
import type { Engine } from '../../src/scoring/batch/engine.js';
import { DEFAULT_BUDGET, type Budget } from '../../src/scoring/identify.js';
import { createTarget } from '../../src/targets/create-target.js';
import { memoryTranscript } from '../../src/targets/transcript.js';
import { seededRng } from '../../src/util/rng.js';
import { committedCountIndex, withoutClassOf } from '../helpers/count-index.js';
import { committedTargetDeps } from '../helpers/target-deps.js';

const deps = committedTargetDeps;

/** identify against a simulated target on `reference`, with the reference's class left out of the index. */
async function identifyLeftOut(
  reference: string,
  target: string,
  seed: number,
  budget: Budget = DEFAULT_BUDGET,
  engine?: Engine,
) {
  return identify({
    target: await createTarget(target, deps),
    index: withoutClassOf(await committedCountIndex(), reference),
    budget,
    rng: seededRng(seed),
    transcript: memoryTranscript(),
    ...(engine && { engine }),
  });
}

describe('a tokenizer outside the index', () => {
  // Falcon's vocabulary and GPT-NeoX's are both byte-level BPEs trained on English web text, unrelated. With
  // Falcon's class left out, packs of the ordinary size (360-600 tokens) left these runs inconclusive after the
  // whole budget: some indexed class, changed, explained each pack nearly as well as a tokenizer outside the index.
  it.each([1, 2])('falcon with its class left out is called unknown within the budget (seed %i)', async (seed) => {
    const result = await identifyLeftOut('falcon', 'sim:falcon?template=mistral&system=2200', seed);
    expect(result.verdict.status).toBe('unknown');
    expect(result.verdict.confidence).toBeGreaterThanOrEqual(0.9);
    // and one check of the request that strayed most, asked again before an unknown is claimed
    expect(result.queries).toBeLessThanOrEqual(DEFAULT_BUDGET.maxQueries + 1);
    // the packs grew once `unknown` led: the first stratum pack is planned before it does
    const frame = result.requests[0].promptTokens;
    const packs = result.requests.slice(1).map((r) => r.promptTokens - frame);
    expect(Math.max(...packs)).toBeGreaterThan(1.5 * packs[0]);
  });

  it('keeps the usual pack size where a grown one would pass the prompt-token budget, and goes on', async () => {
    const result = await identifyLeftOut('falcon', 'sim:falcon?template=mistral&system=200', 1, {
      maxQueries: 6,
      maxPromptTokens: 2000,
    });
    // a grown pack there would have ended the run at 5 requests for want of tokens
    expect(result.stop).not.toBe('max-prompt-tokens');
    expect(result.queries).toBe(6);
    expect(result.promptTokens).toBeLessThanOrEqual(2000);
    expect(result.verdict.status).toBe('unknown');
  });

  // Gemma 2's SentencePiece vocabulary is not Gemma 3's. With Gemma 2's class left out, Gemma 3's core (text it counts
  // in the fewest tokens of every family) strays far (44 to 51 tokens of 64 on the open-kinds bench) while the other
  // counts move both ways: seed 5 was read as `derived gemma3` (0.906) and seed 6 ended inconclusive, a changed copy
  // explaining the core's move. Since a core holds no token a pruning to DEEP_MERGES cuts, GPT-NeoX's core, asked
  // first, settles it.
  // (the two-stage scorer scores a signature with a core check exactly, in the shape the run reads)
  it.each([
    [5, 'exact'],
    [6, 'exact'],
    [5, 'js'],
  ] as const)('gemma2 with its class left out is not read as a changed gemma3 (seed %i, %s)', async (seed, engine) => {
    const result = await identifyLeftOut(
      'gemma2',
      'sim:gemma2?template=gemma&system=1500',
      seed,
      DEFAULT_BUDGET,
      engine,
    );
    expect(result.requests.some((r) => r.stratum === 'core')).toBe(true);
    expect(result.verdict.status).toBe('unknown');
    expect(result.verdict.confidence).toBeGreaterThanOrEqual(0.9);
  });
});

describe('a tokenizer outside the index that counts near another family', () => {
  // Gemma 2's vocabulary counts common English words like o200k's and Gemma 3's. With its class left out these runs
  // named a changed copy of another family: seed 13 `derived o200k` (0.978) from a scripts pack 29 tokens short and
  // o200k's own edge check 17 short, seeds 22 and 38 `derived gemma3`, seed 27 `derived gemma4`; and once unknown
  // weighed counts near the indexed ones, seed 12 ended the budget at `derived gemma3` (0.910) with neither Gemma's
  // edges nor its core ever asked.
  it.each([12, 13, 22, 27, 38])(
    'gemma2 with its class left out is not called a changed copy (seed %i)',
    async (seed) => {
      const result = await identifyLeftOut('gemma2', 'sim:gemma2?template=plain&system=900', seed);
      expect(result.verdict.status).not.toBe('derived');
      expect(result.verdict.status).not.toBe('match');
    },
  );

  // DeepSeek LLM with its class left out: after the request limit a changed Mistral v0.1 held 0.622 and a tokenizer
  // outside the index 0.370, Mistral's core never asked; the run ended inconclusive.
  it('a run ending undecided between a changed copy of the leader and unknown asks its core once past the limit', async () => {
    const result = await identifyLeftOut('deepseek-llm', 'sim:deepseek-llm?template=mistral&system=352', 218389);
    const last = result.requests.at(-1)!;
    expect(last.stratum).toBe('core');
    expect(last.tested).toBe('mistral-v1');
    expect(result.requests.filter((r) => r.stratum === 'core')).toHaveLength(1);
    expect(result.verdict.status).toBe('unknown');
    expect(result.queries).toBeLessThanOrEqual(DEFAULT_BUDGET.maxQueries + 2);
  });
});
