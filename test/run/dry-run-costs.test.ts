import { describe, expect, it } from 'vitest';
import { EDGE_PACK_TOKENS } from '../../src/planning/edge-pack.js';
import { PACK_TOKENS, stratumPackTokens } from '../../src/planning/pack-size.js';
import { packCosts, TEMPLATE_ALLOWANCE } from '../../src/run/dry-run-plan.js';

describe("the dry run's cost of a pack", () => {
  it('covers the largest pack a run plans without noise: the edge check, and a stratum pack grown for a tokenizer outside the index', () => {
    const { frameCost, packCost } = packCosts(40);
    expect(frameCost).toBe(40 + TEMPLATE_ALLOWANCE);
    expect(packCost - frameCost).toBeGreaterThanOrEqual(EDGE_PACK_TOKENS.max);
    expect(packCost - frameCost).toBeGreaterThanOrEqual(stratumPackTokens(1).max);
    // the grown pack is the ordinary one while `unknown` is a minor hypothesis
    expect(stratumPackTokens(0.1)).toEqual(PACK_TOKENS);
    expect(stratumPackTokens(0.9).max).toBeGreaterThan(PACK_TOKENS.max);
    // under a measured spread packs grow with the spread instead
    expect(stratumPackTokens(0.9, 3)).toEqual(PACK_TOKENS);
  });
});
