import type { HttpTargetOptions } from '../targets/http/http-options.js';
import type { ModelName } from '../targets/http/protocol.js';
import { parseBoundedNumber, type NumberRange } from '../util/bounded-number.js';
import { UserError } from '../util/errors.js';
import { FLAG_RANGES } from './flag-ranges.js';

/** The command-line flags HTTP targets take, as commander hands them over. */
export interface HttpFlags {
  model?: ModelName;
  apiKeyEnv?: string;
  retries?: string;
  timeout?: string;
  concurrency?: string;
  rate?: string;
  caFile?: string;
  /** `--cache <ttl>` gives the ttl; `--no-cache` gives false (the default anyway). */
  cache?: string | boolean;
  stream?: boolean;
  logprobs?: string;
  maxResponseBytes?: string;
  maxStreamEvents?: string;
  /** False with `--no-detect-tokenize`. */
  detectTokenize?: boolean;
}

function number(value: string | undefined, flag: string, range: NumberRange): number | undefined {
  return value === undefined ? undefined : parseBoundedNumber(value, flag, range);
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_TTL_MS = 366 * UNIT_MS.d;

/** `30m`, `12h`, `7d` (or seconds, `90s`) as milliseconds, up to a year. */
export function cacheTtlMs(value: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(value);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : 0;
  if (!match || ms <= 0 || ms > MAX_TTL_MS)
    throw new UserError(
      `--cache takes how long a stored answer may be reused, e.g. 30m, 12h or 7d (at most 366d), not "${value}"`,
    );
  return ms;
}

export function httpOptionsFromFlags(flags: HttpFlags): HttpTargetOptions {
  if (flags.apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(flags.apiKeyEnv)) {
    throw new UserError(
      '--api-key-env takes the name of an environment variable (letters, digits, _), not a key or other text',
    );
  }
  const timeout = number(flags.timeout, '--timeout', FLAG_RANGES.timeout);
  const options: HttpTargetOptions = {
    model: flags.model,
    apiKeyEnv: flags.apiKeyEnv,
    retries: number(flags.retries, '--retries', FLAG_RANGES.retries),
    timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
    concurrency: number(flags.concurrency, '--concurrency', FLAG_RANGES.concurrency),
    requestsPerSecond: number(flags.rate, '--rate', FLAG_RANGES.rate),
    caFile: flags.caFile,
    cacheTtlMs: typeof flags.cache === 'string' ? cacheTtlMs(flags.cache) : undefined,
    stream: flags.stream,
    topLogprobs: number(flags.logprobs, '--logprobs', FLAG_RANGES.logprobs),
    maxResponseBytes: number(flags.maxResponseBytes, '--max-response-bytes', FLAG_RANGES.maxResponseBytes),
    maxStreamEvents: number(flags.maxStreamEvents, '--max-stream-events', FLAG_RANGES.maxStreamEvents),
    // recorded only when turned off, so runs that leave it on keep their config as before
    detectTokenize: flags.detectTokenize === false ? false : undefined,
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as HttpTargetOptions;
}
