import type { ModelName } from './protocol.js';
import { DEFAULT_RATE_LIMIT, type RateLimit } from './rate-limit.js';
import { DEFAULT_RETRY_POLICY } from './retry.js';

/** What the user can set for an HTTP target, from the command line; every field has a default. */
export interface HttpTargetOptions {
  model?: ModelName;
  /** Environment variable holding the key, instead of the protocol's conventional one. */
  apiKeyEnv?: string;
  retries?: number;
  timeoutMs?: number;
  concurrency?: number;
  requestsPerSecond?: number;
  caFile?: string;
  /**
   * Reuse a successful answer stored under the tokprint cache dir within this many milliseconds, for the
   * same request and credentials (`--cache <ttl>`); absent, every request goes to the target.
   */
  cacheTtlMs?: number;
  stream?: boolean;
  topLogprobs?: number;
  /** Ask a vLLM chat endpoint for `prompt_logprobs` when the prompt's tokens are wanted (other APIs refuse the field). */
  promptLogprobs?: boolean;
  /** Look for the server's tokenize endpoint and count through it (default true, for schemes that can). */
  detectTokenize?: boolean;
  /** Most bytes read of one answer (`--max-response-bytes`). */
  maxResponseBytes?: number;
  /** Most events read of one streamed answer (`--max-stream-events`). */
  maxStreamEvents?: number;
}

export const HTTP_DEFAULTS = {
  timeoutMs: 60_000,
  retries: DEFAULT_RETRY_POLICY.retries,
  rateLimit: DEFAULT_RATE_LIMIT satisfies RateLimit,
};
