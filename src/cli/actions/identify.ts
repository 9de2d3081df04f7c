import { resolve } from 'node:path';
import { activeIndexDir, loadCatalog, requireEntry } from '../../references/catalog.js';
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
import { recordedChannelRuntime, recordedConfig } from '../recorded-channels.js';
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

export default async function identifyAction(io: CliIo, targetId: string | undefined, options: IdentifyOptions): Promise<number> {
  const budget = {
    maxQueries: wholeNumber(options.maxQueries, '--max-queries', DEFAULT_BUDGET.maxQueries, FLAG_RANGES.maxQueries),
    maxPromptTokens: wholeNumber(options.maxPromptTokens, '--max-prompt-tokens', DEFAULT_BUDGET.maxPromptTokens, FLAG_RANGES.maxPromptTokens),
  };
  const seed = wholeNumber(options.seed, '--seed', 1, FLAG_RANGES.seed);
  let engine;
  try {
    engine = parseEngine(options.engine);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const reports = options.report ? parseFormats(options.report) : [];
  const spec = targetId ?? DEFAULT_TARGET;
  if (options.resume && targetId) throw new UserError('--resume continues a recorded run with its own target; give no target with it');
  const catalog = await loadCatalog({ env: io.env });
  if (targetId && isLocalTokenizerSpec(targetId)) return identifyWhiteBoxAction(io, targetId, catalog, options);
  const cacheRoot = io.env.TOKPRINT_CACHE ?? cacheDir(io.env);
  const reference = async (id: string) => {
    const { entry } = requireEntry(catalog, id);
    return { entry, files: await fetchReferenceFiles(entry, { cacheRoot }) };
  };
  const index = await loadCountIndex({ indexDir: activeIndexDir(io.env), poolDir: probePoolDir(), facts: catalog.entries.map(({ entry }) => entry) });
  const start = options.resume
    ? { resume: options.resume }
    : { target: spec, budget, seed, http: httpOptionsFromFlags(options), out: options.out ?? 'tokprint-runs' };
  // a resumed run reads the channels it started with, so its requests match the recorded ones
  const resumed = options.resume ? recordedConfig(resolve(io.cwd, options.resume)) : undefined;
  const channels = resumed
    ? await recordedChannelRuntime(resumed, activeIndexDir(io.env), reference)
    : await channelRuntime({ channels: options.channels, stream: options.stream, logprobs: options.logprobs !== undefined, seed }, activeIndexDir(io.env), reference);
  return runIdentify(io, { start, json: Boolean(options.json), dryRun: Boolean(options.dryRun), reports, quiet: Boolean(options.quiet), channels, engine }, index, reference);
}
