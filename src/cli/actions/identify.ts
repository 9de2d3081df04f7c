import { resolve } from 'node:path';
import { activeIndexDir, loadCatalog, requireEntry, type Catalog } from '../../references/catalog.js';
import { fetchReferenceFiles } from '../../references/load-reference.js';
import { cacheDir } from '../../references/store/cache-dir.js';
import { DEFAULT_BUDGET } from '../../scoring/identify.js';
import { probePoolDir } from '../../signatures/index-section.js';
import { loadCountIndex } from '../../signatures/load-count-index.js';
import { DEFAULT_TARGET } from '../../targets/create-target.js';
import { parseFormats } from '../../report/report-formats.js';
import { parseEngine } from '../../scoring/batch/engine.js';
import { parseBoundedNumber, type NumberRange } from '../../util/bounded-number.js';
import { UserError } from '../../util/errors.js';
import { FLAG_RANGES } from '../flag-ranges.js';
import { httpOptionsFromFlags, type HttpFlags } from '../http-flags.js';
import type { CliIo } from '../io.js';
import { channelRuntime } from '../channel-options.js';
import { recordedChannelRuntime } from '../recorded-channels.js';
import { resumeSettings } from '../resume-flags.js';
import { readRecord, type RunConfig } from '../../run/run-record.js';
import { isRecordedTarget, withholdsCredentials } from '../../targets/http/secrets.js';
import { runIdentify } from './identify-run.js';
import { identifyWhiteBoxAction } from './identify-white-box.js';

export interface IdentifyOptions extends HttpFlags {
  json?: boolean;
  /** Continue the killed run in this directory. */
  resume?: string;
  dryRun?: boolean;
  out?: string;
  maxQueries?: string;
  maxPromptTokens?: string;
  seed?: string;
  report?: string;
  quiet?: boolean;
  tiktokenPreset?: string;
  channels?: string;
  engine?: string;
}

/** A target with no `scheme:` prefix names tokenizer files on disk: identified white-box. */
function isLocalTokenizerSpec(spec: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(spec);
}

function wholeNumber(value: string | undefined, flag: string, fallback: number, range: NumberRange): number {
  return value === undefined ? fallback : parseBoundedNumber(value, flag, range);
}

/**
 * A run records its target with credentials redacted, so resuming a run whose target had them in its URL
 * needs the target again; a target given with `--resume` must be the run's own once redacted.
 */
function checkResumeTarget(given: string | undefined, recorded: RunConfig, run: string): void {
  if (given !== undefined && !isRecordedTarget(given, recorded.target)) {
    throw new UserError(
      `--resume ${run}: that run's target is ${recorded.target}; give no target, or the same one with its credentials`,
    );
  }
  if (given === undefined && withholdsCredentials(recorded.target)) {
    throw new UserError(
      `--resume ${run}: the run's target ${recorded.target} had credentials in its URL, which are not recorded; give it again with them: tokprint identify '<the target with its credentials>' --resume ${run}`,
    );
  }
}

export default async function identifyAction(
  io: CliIo,
  targetId: string | undefined,
  options: IdentifyOptions,
): Promise<number> {
  const reports = options.report ? parseFormats(options.report) : [];
  if (options.resume) return resumeAction(io, options.resume, targetId, options, reports);
  const budget = {
    maxQueries: wholeNumber(options.maxQueries, '--max-queries', DEFAULT_BUDGET.maxQueries, FLAG_RANGES.maxQueries),
    maxPromptTokens: wholeNumber(
      options.maxPromptTokens,
      '--max-prompt-tokens',
      DEFAULT_BUDGET.maxPromptTokens,
      FLAG_RANGES.maxPromptTokens,
    ),
  };
  const seed = wholeNumber(options.seed, '--seed', 1, FLAG_RANGES.seed);
  const engine = engineFlag(options.engine);
  const spec = targetId ?? DEFAULT_TARGET;
  const catalog = await loadCatalog({ env: io.env });
  if (targetId && isLocalTokenizerSpec(targetId)) return identifyWhiteBoxAction(io, targetId, catalog, options);
  const reference = referenceLoader(io, catalog);
  const index = await loadCountIndex({
    indexDir: activeIndexDir(io.env),
    poolDir: probePoolDir(),
    facts: catalog.entries.map(({ entry }) => entry),
  });
  const start = {
    target: spec,
    budget,
    seed,
    http: httpOptionsFromFlags(options),
    out: options.out ?? 'tokprint-runs',
    engine,
  };
  const channels = await channelRuntime(
    { channels: options.channels, stream: options.stream, logprobs: options.logprobs !== undefined, seed },
    activeIndexDir(io.env),
    reference,
  );
  return runIdentify(
    io,
    {
      start,
      json: Boolean(options.json),
      dryRun: Boolean(options.dryRun),
      reports,
      quiet: Boolean(options.quiet),
      channels,
      engine,
    },
    index,
    reference,
  );
}

/** `identify --resume <run>`: the recorded run's settings, with only a raised budget taken from the flags. */
async function resumeAction(
  io: CliIo,
  runArg: string,
  targetId: string | undefined,
  options: IdentifyOptions,
  reports: ReturnType<typeof parseFormats>,
): Promise<number> {
  const dir = resolve(io.cwd, runArg);
  const { config } = readRecord(dir);
  checkResumeTarget(targetId, config, runArg);
  const { budget } = resumeSettings(options, config, dir, io.cwd);
  const catalog = await loadCatalog({ env: io.env });
  const reference = referenceLoader(io, catalog);
  const index = await loadCountIndex({
    indexDir: activeIndexDir(io.env),
    poolDir: probePoolDir(),
    facts: catalog.entries.map(({ entry }) => entry),
  });
  // the channels and scoring path the run started with, so its requests match the recorded ones
  const channels = await recordedChannelRuntime(config, activeIndexDir(io.env), reference);
  const engine = engineFlag(config.engine);
  return runIdentify(
    io,
    {
      start: { resume: runArg, budget, ...(targetId && { target: targetId }) },
      json: Boolean(options.json),
      dryRun: Boolean(options.dryRun),
      reports,
      quiet: Boolean(options.quiet),
      channels,
      engine,
    },
    index,
    reference,
  );
}

function engineFlag(value: string | undefined) {
  try {
    return parseEngine(value);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}

function referenceLoader(io: CliIo, catalog: Catalog) {
  const cacheRoot = io.env.TOKPRINT_CACHE ?? cacheDir(io.env);
  return async (id: string) => {
    const { entry } = requireEntry(catalog, id);
    return { entry, files: await fetchReferenceFiles(entry, { cacheRoot }) };
  };
}
