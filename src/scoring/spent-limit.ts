import type { Budget, IdentifyResult } from './identify.js';
import type { CountNoise } from './count-spread.js';

/** The command-line flag of each limit a run can stop at. */
export type LimitFlag = '--max-queries' | '--noise-queries' | '--max-prompt-tokens';

/**
 * The limit a run stopped at, as the flag that raises it, or undefined when it stopped for another reason. A run
 * whose counts moved between identical requests ran under the limit under noise where that was the higher one
 * (see requestLimit); a limit under noise no higher than the request limit leaves --max-queries in force, and
 * raising that alone lifts both.
 */
export function spentLimit(
  stop: IdentifyResult['stop'] | string | undefined,
  budget: Budget,
  noise: CountNoise | undefined,
): LimitFlag | undefined {
  if (stop === 'max-prompt-tokens') return '--max-prompt-tokens';
  if (stop !== 'max-queries') return undefined;
  const countsMoved = (noise?.spread ?? 0) > 0;
  return countsMoved && (budget.noiseQueries ?? budget.maxQueries) > budget.maxQueries
    ? '--noise-queries'
    : '--max-queries';
}
