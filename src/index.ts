/**
 * tokprint as a library: identify the tokenizer behind a target, compare two tokenizer files, load the
 * reference index once for many runs. Nothing here writes a run directory or prints; the CLI does that.
 */
import { compareTokenizers, type Comparison } from './references/compare.js';
import type { Catalog } from './references/catalog.js';
import { loadResolvedSource } from './references/load-local.js';
import { parseHfSpec, resolveTokenizerSource } from './references/local-source.js';
import type { ReferenceEntry } from './references/manifest.js';
import type { TokenizerFiles, TokenizerFormat } from './references/tokenizer.js';
import type { Engine } from './scoring/batch/engine.js';
import type { ChannelName } from './scoring/channels/registry.js';
import { identify as identifyLoop } from './run/driver.js';
import { openWorkspace, type Workspace } from './run/workspace.js';
import { budgetFrom, type Budget, type IdentifyResult } from './scoring/identify.js';
import type { CountIndex } from './signatures/count-index.js';
import { createTarget } from './targets/create-target.js';
import type { HttpTargetOptions } from './targets/http/http-options.js';
import type { Target } from './targets/target.js';
import { seededRng } from './util/rng.js';
import { FLAG_RANGES } from './cli/flag-ranges.js';
import { describeRange, type NumberRange } from './util/bounded-number.js';
import { UserError } from './util/errors.js';

export {
  budgetFrom,
  DEFAULT_BUDGET,
  type Budget,
  type IdentifyResult,
  type RequestRecord,
} from './scoring/identify.js';
export type { Verdict, VerdictStatus } from './scoring/verdict.js';
export type { GroupScore, Posterior } from './scoring/posterior.js';
export type { ChannelName } from './scoring/channels/registry.js';
export type { ChannelSummary } from './scoring/channels/runtime.js';
export { ENGINES, type Engine } from './scoring/batch/engine.js';
export type { Comparison } from './references/compare.js';
export type { Catalog, CatalogEntry } from './references/catalog.js';
export type { ReferenceEntry } from './references/manifest.js';
export type { CountIndex } from './signatures/count-index.js';
export type { TokenizerFormat } from './references/tokenizer.js';
export { DEFAULT_TARGET } from './targets/create-target.js';
export type { Target, TargetRequest, TargetResponse } from './targets/target.js';
export type { HttpTargetOptions } from './targets/http/http-options.js';
export { UserError } from './util/errors.js';

export interface EnvironmentOptions {
  /** Where TOKPRINT_HOME, TOKPRINT_CACHE, API keys and proxies are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** What relative paths in target specs are resolved against (default process.cwd()). */
  cwd?: string;
}

/** The reference index, loaded once and reused across runs. */
export interface TokprintIndex {
  catalog: Catalog;
  counts: CountIndex;
  /** An indexed reference's manifest entry and its files, fetched into the pinned cache on first use. */
  reference(id: string): Promise<{ entry: ReferenceEntry; files: TokenizerFiles }>;
  /** The run layer's workspace behind it (channel data, cache folder), shared by every run on this index. */
  workspace: Workspace;
}

/** The built-in references plus the user's own ($TOKPRINT_HOME/index), as the CLI reads them. */
export async function loadIndex(options: Pick<EnvironmentOptions, 'env'> = {}): Promise<TokprintIndex> {
  const workspace = await openWorkspace(options.env ?? process.env);
  return {
    catalog: workspace.catalog,
    counts: await workspace.countIndex(),
    reference: workspace.reference,
    workspace,
  };
}

export interface IdentifyOptions extends EnvironmentOptions {
  /** A loaded index, to share between runs; loaded from `env` when absent. */
  index?: TokprintIndex;
  /** Caps on requests and billed prompt tokens; the CLI's defaults fill what is left out. */
  budget?: Partial<Budget>;
  /** Seeds the choice of probes (default 1, as the CLI). */
  seed?: number;
  /** Answer channels to read (default: the billed counts alone). */
  channels?: readonly ChannelName[];
  /** The scoring path; by the index's size when absent. */
  engine?: Engine;
  /** For HTTP targets: model, key variable, retries, timeouts, … as the CLI's flags set them. */
  http?: HttpTargetOptions;
}

/**
 * Identifies the tokenizer behind a target: a spec as the CLI takes it (`sim:qwen3`,
 * `openai:https://host/v1`, `tokenizer:./tokenizer.json`) or a Target of your own. Throws a UserError
 * for bad input or a failed request, as the CLI reports them.
 */
export async function identify(target: string | Target, options: IdentifyOptions = {}): Promise<IdentifyResult> {
  // the ranges the CLI's flags enforce: a budget of -1 requests otherwise gave an 'unknown' verdict from nothing
  inRange(options.budget?.maxQueries, 'budget.maxQueries', FLAG_RANGES.maxQueries);
  inRange(options.budget?.maxPromptTokens, 'budget.maxPromptTokens', FLAG_RANGES.maxPromptTokens);
  inRange(options.budget?.noiseQueries, 'budget.noiseQueries', FLAG_RANGES.noiseQueries);
  inRange(options.seed, 'seed', FLAG_RANGES.seed);
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const index = options.index ?? (await loadIndex({ env }));
  const seed = options.seed ?? 1;
  const channels = await index.workspace.namedChannels({ channels: options.channels, seed });
  const resolved =
    typeof target === 'string'
      ? await createTarget(target, { cwd, env, reference: index.reference, http: options.http })
      : target;
  return identifyLoop({
    target: resolved,
    index: index.counts,
    budget: budgetFrom(options.budget ?? {}),
    rng: seededRng(seed),
    channels,
    engine: options.engine,
  });
}

function inRange(value: unknown, name: string, range: NumberRange): void {
  if (value === undefined) return;
  const number = typeof value === 'number' ? value : Number.NaN;
  if (!(number >= range.min && number <= range.max) || (range.whole && !Number.isInteger(number)))
    throw new UserError(`${name} must be ${describeRange(range)}, not ${JSON.stringify(value) ?? String(value)}`);
}

export interface CompareOptions extends EnvironmentOptions {
  /** For tiktoken rank files, which do not carry their split pattern: a named preset. */
  tiktokenPreset?: string;
}

export interface CompareResult extends Comparison {
  /** The file format each side was read as. */
  formats: { a: TokenizerFormat; b: TokenizerFormat };
}

/**
 * Compares two tokenizers given as files, model directories or `hf:org/repo[@revision]`: identical,
 * derived (and which is the base) or unrelated.
 */
export async function compare(a: string, b: string, options: CompareOptions = {}): Promise<CompareResult> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  for (const spec of [a, b]) parseHfSpec(spec);
  const [sourceA, sourceB] = await Promise.all([a, b].map((spec) => resolveTokenizerSource(spec, { cwd, env })));
  const comparison = compareTokenizers(loadResolvedSource(sourceA, options), loadResolvedSource(sourceB, options), {
    labels: { a: 'A', b: 'B' },
  });
  return { ...comparison, formats: { a: sourceA.format, b: sourceB.format } };
}
