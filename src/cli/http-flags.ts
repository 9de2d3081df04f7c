import type { HttpTargetOptions } from '../targets/http/http-options.js';
import { UserError } from '../util/errors.js';

/** The command-line flags HTTP targets take, as commander hands them over. */
export interface HttpFlags {
  model?: string;
  apiKeyEnv?: string;
  retries?: string;
  timeout?: string;
  concurrency?: string;
  rate?: string;
  caFile?: string;
  cache?: boolean;
  stream?: boolean;
  logprobs?: string;
  maxResponseBytes?: string;
  maxStreamEvents?: string;
  /** False with `--no-detect-tokenize`. */
  detectTokenize?: boolean;
}

function number(value: string | undefined, flag: string, min: number, whole: boolean, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const ok = whole ? /^\d+$/.test(value) : /^\d+(\.\d+)?$/.test(value);
  if (!ok || Number(value) < min || Number(value) > max) {
    throw new UserError(`${flag} must be a ${whole ? 'whole ' : ''}number ${max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `of at least ${min}`}, not "${value}"`);
  }
  return Number(value);
}

export function httpOptionsFromFlags(flags: HttpFlags): HttpTargetOptions {
  if (flags.apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(flags.apiKeyEnv)) {
    throw new UserError("--api-key-env takes the name of an environment variable (letters, digits, _), not a key or other text");
  }
  const timeout = number(flags.timeout, '--timeout', 0.1, false);
  const options: HttpTargetOptions = {
    model: flags.model,
    apiKeyEnv: flags.apiKeyEnv,
    retries: number(flags.retries, '--retries', 0, true),
    timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
    concurrency: number(flags.concurrency, '--concurrency', 1, true),
    requestsPerSecond: number(flags.rate, '--rate', 0.01, false),
    caFile: flags.caFile,
    cache: flags.cache,
    stream: flags.stream,
    topLogprobs: number(flags.logprobs, '--logprobs', 0, true),
    maxResponseBytes: number(flags.maxResponseBytes, '--max-response-bytes', 1024, true, 1024 ** 3),
    maxStreamEvents: number(flags.maxStreamEvents, '--max-stream-events', 1, true, 10_000_000),
    // recorded only when turned off, so runs that leave it on keep their config as before
    detectTokenize: flags.detectTokenize === false ? false : undefined,
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as HttpTargetOptions;
}
