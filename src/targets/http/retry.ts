import pRetry, { AbortError } from 'p-retry';

export interface RetryPolicy {
  /** Further attempts after the first; 0 turns retrying off. */
  retries: number;
  /** First backoff delay; each later one doubles, up to `maxDelayMs`. */
  minDelayMs: number;
  maxDelayMs: number;
  /** A server asking for a longer wait than this fails the request instead of stalling the run. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 4,
  minDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 120_000,
};

/** One failed attempt, saying whether another attempt may succeed and how long the server asked us to wait. */
export class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    /** The HTTP status the server answered with, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AttemptError';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails for good, or the retries run out. Backoff is capped
 * exponential with jitter (p-retry); a `Retry-After` is honoured as the least wait before the next try.
 */
export async function withRetries<T>(policy: RetryPolicy, attempt: (n: number) => Promise<T>): Promise<T> {
  return pRetry(
    async (n) => {
      try {
        return await attempt(n);
      } catch (error) {
        if (error instanceof AttemptError && error.retryable) throw error;
        throw new AbortError(error as Error);
      }
    },
    {
      retries: policy.retries,
      factor: 2,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      randomize: true,
      onFailedAttempt: async ({ error, retriesLeft }) => {
        const wait = (error as AttemptError).retryAfterMs;
        if (wait === undefined || retriesLeft <= 0) return;
        if (wait > policy.maxRetryAfterMs) {
          throw new AttemptError(
            `${error.message}; the server asks to wait ${Math.ceil(wait / 1000)} s, more than the ${policy.maxRetryAfterMs / 1000} s allowed`,
            false,
          );
        }
        await sleep(wait);
      },
    },
  );
}
