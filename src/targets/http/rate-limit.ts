import PQueue from 'p-queue';
import { sha256Hex } from '../../util/hash.js';

export interface RateLimit {
  /** Requests in flight at once. */
  concurrency: number;
  /** Requests started per second, at most. */
  requestsPerSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { concurrency: 4, requestsPerSecond: 5 };

const queues = new Map<string, PQueue>();

/**
 * The queue every attempt to one provider with one key goes through, shared by all targets in the
 * process; keyed by a hash so the key itself is never kept in a map key or shown.
 */
export function limiterFor(scheme: string, origin: string, apiKey: string | undefined, limit: RateLimit): PQueue {
  const id = `${scheme} ${origin} ${apiKey ? sha256Hex(apiKey).slice(0, 16) : '-'} ${limit.concurrency} ${limit.requestsPerSecond}`;
  let queue = queues.get(id);
  if (!queue) {
    queue = new PQueue({
      concurrency: limit.concurrency,
      intervalCap: 1,
      interval: Math.max(1, Math.ceil(1000 / limit.requestsPerSecond)),
    });
    queues.set(id, queue);
  }
  return queue;
}
