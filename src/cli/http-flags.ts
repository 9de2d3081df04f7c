import type { HttpTargetOptions } from '../targets/http/http-options.js';
import { parseBoundedNumber, type NumberRange } from '../util/bounded-number.js';
import { UserError } from '../util/errors.js';
import { FLAG_RANGES } from './flag-ranges.js';

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
  /** False with `--no-detect-tokenize`. */
  detectTokenize?: boolean;
}

function number(value: string | undefined, flag: string, range: NumberRange): number | undefined {
  return value === undefined ? undefined : parseBoundedNumber(value, flag, range);
}

export function httpOptionsFromFlags(flags: HttpFlags): HttpTargetOptions {
  if (flags.apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(flags.apiKeyEnv)) {
    throw new UserError("--api-key-env takes the name of an environment variable (letters, digits, _), not a key or other text");
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
    cache: flags.cache,
    stream: flags.stream,
    topLogprobs: number(flags.logprobs, '--logprobs', FLAG_RANGES.logprobs),
    // recorded only when turned off, so runs that leave it on keep their config as before
    detectTokenize: flags.detectTokenize === false ? false : undefined,
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as HttpTargetOptions;
}
