import { NOISE_CEILING } from './noise-verdict.js';
import { frameCounts, JUMP, measuredSpread } from './noisy-likelihood.js';

/**
 * The spread a run reads its counts through, from the moves identical requests showed (each against its first
 * count): the one they point to most; or, when that is past NOISE_CEILING and there are two moves or more, the one
 * the other counts point to with the count farthest from their middle read as a jump of the hidden part (a memory
 * retrieved for one request), when it lies farther than JUMP.seen tokens from it (no spread weighed reaches that)
 * and the others' spread is within the ceiling. The jump may be on the first count itself (billed
 * 94, then 47 and 46): the counts are read from their middle, not from the first.
 */
export function frameSpread(moves: readonly number[]): number {
  const spread = measuredSpread(moves);
  if (spread <= NOISE_CEILING || moves.length < 2) return spread;
  const { counts, middle } = frameCounts(moves);
  let far = 0;
  for (let i = 1; i < counts.length; i++) if (Math.abs(counts[i] - middle) > Math.abs(counts[far] - middle)) far = i;
  if (Math.abs(counts[far] - middle) <= JUMP.seen) return spread;
  const rest = counts.filter((_, i) => i !== far);
  const withoutJump = measuredSpread(rest.slice(1).map((count) => count - rest[0]));
  return withoutJump <= NOISE_CEILING ? withoutJump : spread;
}
