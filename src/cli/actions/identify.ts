import { resolve } from 'node:path';
import { type ProgressLine, progressLine, timerSpinner, waitingText } from '../../report/progress-line.js';
import { parseFormats, type ReportFormatName } from '../../report/report-formats.js';
import { writeRunReports } from '../run-reports.js';
import { renderTerminal } from '../../report/render-terminal.js';
import { useColor } from '../../report/terminal-style.js';
import { dryRunText } from '../../run/dry-run-plan.js';
import { type RunOutcome, type RunRequest, runIdentify } from '../../run/identify-run.js';
import { type RunConfig, readRecord } from '../../run/run-record.js';
import { openWorkspace, type Workspace } from '../../run/workspace.js';
import { parseEngine, recordedEngine } from '../../scoring/batch/engine.js';
import { budgetFrom } from '../../scoring/identify.js';
import { billedPromptTokens } from '../../targets/billed-tokens.js';
import { DEFAULT_TARGET } from '../../targets/create-target.js';
import { isRecordedTarget, withholdsCredentials } from '../../util/secrets/secrets.js';
import { type NumberRange, parseBoundedNumber } from '../../util/bounded-number.js';
import { UserError } from '../../util/errors.js';
import { channelsLine } from '../../report/channels-line.js';
import { enabledChannels } from '../channel-options.js';
import { FLAG_RANGES } from '../flag-ranges.js';
import { type HttpFlags, httpOptionsFromFlags } from '../http-flags.js';
import type { CliIo } from '../io.js';
import { resumeSettings } from '../resume-flags.js';
import { threadSpinner } from '../thread-spinner.js';
import { identifyWhiteBoxAction } from './identify-white-box.js';

export interface IdentifyOptions extends HttpFlags {
  json?: boolean;
  /** Continue the killed run in this directory. */
  resume?: string;
  dryRun?: boolean;
  out?: string;
  maxQueries?: string;
  maxPromptTokens?: string;
  noiseQueries?: string;
  seed?: string;
  report?: string;
  quiet?: boolean;
  tiktokenPreset?: string;
  channels?: string;
  engine?: string;
  operator?: string;
}

/** A target with no `scheme:` prefix names tokenizer files on disk: identified white-box. */
function isLocalTokenizerSpec(spec: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(spec);
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
  const limit = (value: string | undefined, flag: string, range: NumberRange) =>
    value === undefined ? undefined : parseBoundedNumber(value, flag, range);
  const budget = budgetFrom({
    maxQueries: limit(options.maxQueries, '--max-queries', FLAG_RANGES.maxQueries),
    maxPromptTokens: limit(options.maxPromptTokens, '--max-prompt-tokens', FLAG_RANGES.maxPromptTokens),
    noiseQueries: limit(options.noiseQueries, '--noise-queries', FLAG_RANGES.noiseQueries),
  });
  const seed = limit(options.seed, '--seed', FLAG_RANGES.seed) ?? 1;
  const engine = engineFlag(options.engine);
  const spec = targetId ?? DEFAULT_TARGET;
  const workspace = await openWorkspace(io.env);
  if (targetId && isLocalTokenizerSpec(targetId))
    return identifyWhiteBoxAction(io, targetId, workspace, {
      ...options,
      reports,
      operator: operatorFlag(options.operator),
    });
  const selected = enabledChannels({
    channels: options.channels,
    stream: options.stream,
    logprobs: options.logprobs !== undefined,
  });
  const progress = progressFor(io, options);
  progress.status('loading the reference index');
  const channels = await clearedOnError(progress, () => workspace.channels(selected.enabled, seed, selected.discover));
  const start = {
    target: spec,
    budget,
    seed,
    http: httpOptionsFromFlags(options),
    out: options.out ?? 'tokprint-runs',
    engine,
    operator: operatorFlag(options.operator),
  };
  return identifyAndPrint(
    io,
    workspace,
    { start, dryRun: Boolean(options.dryRun), channels, engine },
    reports,
    options,
    progress,
  );
}

/**
 * The progress line: on a terminal's stderr only, and never with --quiet or --json; drawn from its own thread
 * where stderr is a file descriptor, so it moves while tokenizer files are parsed.
 */
function progressFor(io: CliIo, options: Pick<IdentifyOptions, 'json' | 'quiet'>): ProgressLine {
  if (options.quiet || options.json || !io.isTTY?.stderr) return progressLine(undefined);
  return progressLine(io.stderrFd === undefined ? timerSpinner(io.stderr) : threadSpinner(io.stderrFd));
}

/** What loads before the run starts, with the progress line erased if it fails (the error line follows). */
async function clearedOnError<T>(progress: ProgressLine, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    progress.done();
    throw error;
  }
}

/** Who ran the audit, as the report header names them: one line of printable text. */
function operatorFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const name = value.trim();
  if (!name || name.length > 200 || /[\p{Cc}\p{Cf}]/u.test(name))
    throw new UserError('--operator takes a name of 1 to 200 printable characters, on one line');
  return name;
}

/** `identify --resume <run>`: the recorded run's settings, with only a raised budget taken from the flags. */
async function resumeAction(
  io: CliIo,
  runArg: string,
  targetId: string | undefined,
  options: IdentifyOptions,
  reports: ReportFormatName[],
): Promise<number> {
  const dir = resolve(io.cwd, runArg);
  const { config } = readRecord(dir);
  checkResumeTarget(targetId, config, runArg);
  const { budget } = resumeSettings(options, config, dir, io.cwd);
  const workspace = await openWorkspace(io.env);
  // the channels and scoring path the run started with, so its requests match the recorded ones
  const progress = progressFor(io, options);
  progress.status('loading the reference index');
  const channels = await clearedOnError(progress, () => workspace.namedChannels(config));
  const engine = engineFlag(config.engine, recordedEngine);
  return identifyAndPrint(
    io,
    workspace,
    {
      start: { resume: runArg, budget, ...(targetId && { target: targetId }) },
      dryRun: Boolean(options.dryRun),
      channels,
      engine,
    },
    reports,
    options,
    progress,
  );
}

/** Runs identify with a progress line on a terminal, then prints the plan, or the verdict and reports written. */
async function identifyAndPrint(
  io: CliIo,
  workspace: Workspace,
  request: RunRequest,
  reports: readonly ReportFormatName[],
  options: Pick<IdentifyOptions, 'json' | 'quiet'>,
  progress: ProgressLine,
): Promise<number> {
  const quiet = Boolean(options.quiet);
  if (request.channels) request.channels.onEncoder = progress.encoder;
  let sent = 0;
  let shownLimit = 0;
  let billed = 0;
  let outcome: RunOutcome;
  try {
    outcome = await runIdentify(workspace, request, {
      cwd: io.cwd,
      onStep: (step) => {
        if (step.kind === 'channels' && !quiet && (step.discovery.discovered || step.discovery.missing.length))
          io.stderr(`tokprint: ${channelsLine(step.discovery)}\n`);
        if (step.kind === 'request') {
          shownLimit = step.limit;
          progress.status(waitingText(++sent, shownLimit));
        }
        if (step.kind === 'answer') billed += billedPromptTokens([step.response.usage?.promptTokens]);
        if (step.kind === 'posterior' && step.requests.length)
          progress.update({
            // every request sent, checks and follow-ups too, as the limit beside it counts them
            requests: sent,
            maxQueries: shownLimit,
            promptTokens: billed,
            posterior: step.fused,
          });
      },
    });
  } finally {
    progress.done();
  }
  if (outcome.kind === 'dry-run') {
    io.stdout(options.json ? `${JSON.stringify({ dryRun: outcome.plan })}\n` : dryRunText(outcome.plan));
    return 0;
  }
  const written = await writeRunReports(workspace, outcome.run, reports);
  if (!quiet) for (const path of written.written) io.stderr(`tokprint: wrote ${path}\n`);
  io.stdout(
    options.json
      ? `${JSON.stringify(outcome.verdict)}\n`
      : renderTerminal(written.report, { color: useColor(io.isTTY?.stdout, io.env) }),
  );
  return outcome.exitCode;
}

function engineFlag(value: string | undefined, parse = parseEngine) {
  try {
    return parse(value);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}
