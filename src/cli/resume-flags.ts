import { dirname, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { RunConfig } from '../run/run-record.js';
import type { Budget } from '../scoring/identify.js';
import { parseChannels } from '../scoring/channels/registry.js';
import { parseEngine, recordedEngine, type Engine } from '../scoring/batch/engine.js';
import type { HttpTargetOptions } from '../targets/http/http-options.js';
import { parseBoundedNumber } from '../util/bounded-number.js';
import { UserError } from '../util/errors.js';
import { FLAG_RANGES } from './flag-ranges.js';
import { httpOptionsFromFlags, type HttpFlags } from './http-flags.js';

export interface ResumeFlags extends HttpFlags {
  out?: string;
  maxQueries?: string;
  maxPromptTokens?: string;
  noiseQueries?: string;
  seed?: string;
  channels?: string;
  engine?: string;
  tiktokenPreset?: string;
}

/** Each recorded HTTP option and the flag that sets it. */
const HTTP_FLAG_NAMES: Partial<Record<keyof HttpTargetOptions, string>> = {
  model: '--model',
  apiKeyEnv: '--api-key-env',
  retries: '--retries',
  timeoutMs: '--timeout',
  concurrency: '--concurrency',
  requestsPerSecond: '--rate',
  caFile: '--ca-file',
  cacheTtlMs: '--cache',
  stream: '--stream',
  topLogprobs: '--logprobs',
  detectTokenize: '--no-detect-tokenize',
  maxResponseBytes: '--max-response-bytes',
  maxStreamEvents: '--max-stream-events',
};

const show = (value: unknown) =>
  value === undefined ? 'not set' : typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);

/**
 * What `--resume` takes from the flags given with it. A resumed run sends exactly the requests it
 * recorded, so every flag that would change them (or where answers go) is refused, all named in one
 * line; only a budget raised above the recorded one applies. Flags given with the recorded value are fine.
 */
export function resumeSettings(
  flags: ResumeFlags,
  recorded: RunConfig,
  runDir: string,
  cwd: string,
): { budget?: Budget } {
  const conflicts: string[] = [];
  const differs = (flag: string, given: unknown, was: unknown) => {
    if (!isDeepStrictEqual(given, was))
      conflicts.push(
        typeof given === 'boolean'
          ? `${flag} (run: ${show(was ?? false)})`
          : `${flag} ${show(given)} (run: ${show(was)})`,
      );
  };

  let budget: Budget | undefined;
  const raise = (value: string | undefined, flag: string, field: keyof Budget) => {
    if (value === undefined) return;
    const wanted = parseBoundedNumber(value, flag, FLAG_RANGES[field]);
    // a run recorded before a limit of its own existed ran with the request limit there
    const was = recorded.budget[field] ?? recorded.budget.maxQueries;
    if (wanted < was) conflicts.push(`${flag} ${wanted} (run: ${was}; a budget can only be raised)`);
    else if (wanted > was) budget = { ...(budget ?? recorded.budget), [field]: wanted };
  };
  raise(flags.maxQueries, '--max-queries', 'maxQueries');
  raise(flags.maxPromptTokens, '--max-prompt-tokens', 'maxPromptTokens');
  raise(flags.noiseQueries, '--noise-queries', 'noiseQueries');
  // the limit under noise is never below the request limit: a raised one lifts it alike
  if (budget?.noiseQueries !== undefined && budget.noiseQueries < budget.maxQueries)
    budget = { ...budget, noiseQueries: budget.maxQueries };

  if (flags.seed !== undefined)
    differs('--seed', parseBoundedNumber(flags.seed, '--seed', FLAG_RANGES.seed), recorded.seed);
  const http = httpOptionsFromFlags(flags);
  for (const [key, flag] of Object.entries(HTTP_FLAG_NAMES) as [keyof HttpTargetOptions, string][]) {
    const given = http[key];
    if (given === undefined) continue;
    const was = recorded.http?.[key] ?? (key === 'detectTokenize' ? true : undefined);
    // --timeout is given in seconds and recorded in milliseconds
    if (key === 'timeoutMs')
      differs(flag, (given as number) / 1000, was === undefined ? undefined : (was as number) / 1000);
    else differs(flag, given, was);
  }
  if (flags.channels !== undefined) {
    const given = [...parseChannels(flags.channels)].sort();
    const was = [...(recorded.channels ?? ['usage'])].sort();
    if (!isDeepStrictEqual(given, was)) conflicts.push(`--channels ${given.join(',')} (run: ${was.join(',')})`);
  }
  if (flags.engine !== undefined) {
    let engine: Engine | undefined;
    try {
      engine = parseEngine(flags.engine);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    differs('--engine', engine, recordedEngine(recorded.engine) ?? 'chosen by index size');
  }
  if (flags.out !== undefined && resolve(cwd, flags.out) !== dirname(runDir))
    conflicts.push(`--out ${flags.out} (the run stays in ${runDir})`);
  if (flags.tiktokenPreset !== undefined) conflicts.push('--tiktoken-preset (white-box runs only)');

  if (conflicts.length) {
    throw new UserError(
      `--resume continues ${runDir} with the settings it was recorded with, and ${conflicts.join(', ')} ${conflicts.length === 1 ? 'conflicts' : 'conflict'} with them: leave ${conflicts.length === 1 ? 'it' : 'them'} out (only --max-queries, --noise-queries and --max-prompt-tokens above the recorded budget apply to a resumed run)`,
    );
  }
  return { budget };
}
