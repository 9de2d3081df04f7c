import { describe, expect, it } from 'vitest';
import { identify, UserError } from '../../src/index.js';

describe('the library entry checks the numbers it is given as the CLI checks its flags', () => {
  it('refuses a budget or seed outside the documented ranges with a UserError (exit code 2), before any request', async () => {
    for (const [options, says] of [
      [{ budget: { maxQueries: -1 } }, /budget\.maxQueries must be a whole number from 1 to 1,000, not -1/],
      [{ budget: { maxQueries: 0 } }, /budget\.maxQueries must be/],
      [{ budget: { maxPromptTokens: 1.5 } }, /budget\.maxPromptTokens must be a whole number/],
      [{ budget: { noiseQueries: 0 } }, /budget\.noiseQueries must be a whole number from 1 to 1,000, not 0/],
      [{ seed: Number.NaN }, /seed must be a whole number from 0/],
    ] as const) {
      const refused = identify('sim:qwen3', options).then(
        () => undefined,
        (error: unknown) => error,
      );
      const error = await refused;
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(says);
    }
  });
});
