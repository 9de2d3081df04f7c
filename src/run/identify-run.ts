import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type TrailPoint, trailPoint } from '../scoring/posterior-trail.js';
import type { verdictJson } from '../scoring/verdict-json.js';
import type { Engine } from '../scoring/batch/engine.js';
import type { ChannelRuntime } from '../scoring/channels/runtime.js';
import type { Budget } from '../scoring/identify.js';
import { identify } from './driver.js';
import type { RunStep } from './protocol.js';
import { UnusableAnswerError } from '../scoring/usage-check.js';
import type { CountIndex } from '../signatures/count-index.js';
import { readCountSignatures } from '../signatures/count-signatures-file.js';
import { createTarget } from '../targets/create-target.js';
import { httpCacheDir } from '../targets/http/create-http-target.js';
import { AnswerCutError } from '../targets/http/executor.js';
import type { HttpTargetOptions } from '../targets/http/http-options.js';
import { httpScheme } from '../targets/http/protocols.js';
import { shownTarget, withholdsCredentials } from '../util/secrets/secrets.js';
import { REDACTED } from '../util/secrets/redact.js';
import type { WireEntry } from '../targets/http/wire-entry.js';
import { RecordMismatch, resumableTarget } from '../targets/resumable-target.js';
import { UserError } from '../util/errors.js';
import type { HeldLock } from '../util/file-lock.js';
import { seededRng } from '../util/rng.js';
import { ensureWritableDir } from '../util/writable-dir.js';
import { type DryRunPlan, dryRunPlan } from './dry-run-plan.js';
import { resumePlan } from './resume-plan.js';
import { runVerdict } from './run-verdict.js';
import { appendRunLine, createRunDir, RUN_FILES, writeRunJson } from './run-dir.js';
import { lockRunDir } from './run-lock.js';
import { indexFingerprint } from './index-fingerprint.js';
import { toolInfo } from './read-run.js';
import { type RecordEntry, RunRecord, type RunConfig, readEntries } from './run-record.js';
import type { Workspace } from './workspace.js';

export interface RunRequest {
  /**
   * A new run of this target, or the run directory of a killed run to continue (with a budget raised on resuming,
   * and `target`: the run's target again with the credentials its record leaves out).
   */
  start:
    | {
        target: string;
        budget: Budget;
        seed: number;
        http: HttpTargetOptions;
        out: string;
        engine?: Engine;
        /** Who runs the audit, for the report's header. */
        operator?: string;
      }
    | { resume: string; budget?: Budget; target?: string };
  dryRun: boolean;
  /** Answer channels beyond the billed counts. */
  channels?: ChannelRuntime;
  /** The scoring path asked for; by the index's size when absent. */
  engine?: Engine;
}

/** Where a run is started from, and what watches it as it goes. */
export interface RunContext {
  /** Relative run and output directories are taken from here. */
  cwd: string;
  /** Each step of the loop as it happens: requests, answers, observations, posteriors. */
  onStep?: (step: RunStep) => void;
}

/** What a run leaves: a dry run's plan, or the sealed run's directory and verdict. */
export type RunOutcome =
  | { kind: 'dry-run'; plan: DryRunPlan }
  | {
      kind: 'finished';
      run: string;
      verdict: ReturnType<typeof verdictJson>;
      /** 0 for a verdict, 1 when inconclusive. */
      exitCode: number;
    };

/**
 * An identify run with a full record: the config first, each exchange before it is used, the
 * verdict beside it and a digest last. A resumed run answers the requests it already has from the
 * record and goes live only after them.
 */
export async function runIdentify(workspace: Workspace, request: RunRequest, context: RunContext): Promise<RunOutcome> {
  let lock: HeldLock | undefined;
  try {
    return await identifyRun(workspace, request, context, (held) => (lock = held));
  } finally {
    await lock?.release();
  }
}

/** Where answers are kept: checked before the target is asked anything, so none is paid for and then lost. */
async function checkWritable(
  env: NodeJS.ProcessEnv,
  config: Pick<RunConfig, 'target' | 'http'>,
  outRoot?: string,
): Promise<void> {
  if (outRoot) await ensureWritableDir(outRoot, '--out');
  const scheme = config.target.slice(0, Math.max(config.target.indexOf(':'), 0));
  if (httpScheme(scheme) && config.http?.cacheTtlMs !== undefined)
    await ensureWritableDir(httpCacheDir(env), 'the answer cache');
}

/**
 * A resumed run asks the server its record names, whatever the variable says now: a model id's server comes from
 * a variable (`OPENAI_BASE_URL`) or the API's default, and another value would mix two servers in one record.
 */
function recordedServerEnv(env: NodeJS.ProcessEnv, config: Pick<RunConfig, 'server'>): NodeJS.ProcessEnv {
  const { server } = config;
  if (!server) return env;
  if (!server.url.includes(REDACTED)) return { ...env, [server.variable]: server.url };
  // its credentials were not recorded: the variable must name it again
  if (env[server.variable]?.trim()) return env;
  throw new UserError(
    `the run asked the server ${server.url} that $${server.variable} named, whose credentials are not recorded; set ${server.variable} to it again to resume`,
  );
}

async function identifyRun(
  workspace: Workspace,
  request: RunRequest,
  { cwd, onStep }: RunContext,
  held: (lock: HeldLock) => void,
): Promise<RunOutcome> {
  const { env, reference } = workspace;
  const index: CountIndex = await workspace.countIndex();
  /** The record of the run resumed: reopened for appending, or only read for a dry run. */
  let previous: { record?: RunRecord; entries: RecordEntry[] } | undefined;
  let config: Omit<RunConfig, 'description'>;
  if ('resume' in request.start) {
    const dir = resolve(cwd, request.start.resume);
    // the lock first: the record is read only once no other process can be writing it
    const lock = await lockRunDir(dir);
    held(lock);
    // a dry run reads the record as resuming would, and leaves it as it is
    previous = request.dryRun
      ? { entries: RunRecord.resumable(dir, Boolean(request.start.budget)).entries }
      : RunRecord.reopen(dir, lock, Boolean(request.start.budget));
    config = (previous.entries[0] as Extract<RecordEntry, { kind: 'config' }>).config;
    const raised = request.start.budget;
    if (raised) config = { ...config, budget: raised };
    if (!request.dryRun) {
      await checkWritable(env, config);
      const answered = new Set(previous.entries.flatMap((e) => (e.kind === 'response' ? [e.seq] : []))).size;
      previous.record!.append({
        kind: 'resumed',
        at: new Date().toISOString(),
        answered,
        ...(raised && { budget: raised }),
      });
      // config.json says what the run is asked to do now; the transcript keeps what it started with
      if (raised)
        writeRunJson(dir, RUN_FILES.config, {
          ...(previous.entries[0] as Extract<RecordEntry, { kind: 'config' }>).config,
          budget: raised,
        });
    }
  } else {
    const { target, budget, seed, http, engine, operator } = request.start;
    const indexFiles = indexFingerprint(workspace.indexDir);
    config = {
      target: shownTarget(target),
      budget,
      seed,
      http: http as Record<string, unknown>,
      probes: index.probes.length,
      references: index.references.length,
      tokprint: toolInfo().version,
      ...(indexFiles && { index: indexFiles }),
      ...(operator !== undefined && { operator }),
    };
    if (request.channels) config.channels = [...request.channels.enabled];
    if (request.channels?.discovering) config.discover = true;
    if (engine) config.engine = engine;
    if (!request.dryRun) await checkWritable(env, config, resolve(cwd, request.start.out));
  }

  let record: RunRecord | undefined = previous?.record;
  // a target's detection probes go out before the run dir exists; they are recorded right after the config
  const early: WireEntry[] = [];
  // the config holds the target as shown, credentials redacted; the request goes to the one given
  const target = await createTarget(request.start.target ?? config.target, {
    cwd,
    env: previous ? recordedServerEnv(env, config) : env,
    reference,
    http: config.http as HttpTargetOptions | undefined,
    wire: { append: (entry: WireEntry) => (record ? record.append(entry) : early.push(entry)) },
    probe: !request.dryRun,
  });

  // an HTTP target shows itself with every secret it knows redacted, its key too wherever it was put in the URL
  if (!previous)
    config = { ...config, target: shownTarget(target.id), ...(target.server && { server: target.server }) };

  if (request.dryRun) {
    // the frame's count by every indexed reference tokenizer, computed when the index was built
    const signatures = await readCountSignatures(workspace.indexDir);
    const frameTokens = Math.max(...signatures.references.map((r) => r.frame));
    if (previous) {
      const plan = await resumePlan({
        run: resolve(cwd, (request.start as { resume: string }).resume),
        target,
        index,
        budget: config.budget,
        seed: config.seed,
        entries: previous.entries,
        channels: request.channels,
        engine: request.engine,
        frameTokens,
      });
      return { kind: 'dry-run', plan: { ...plan, target: config.target } };
    }
    const plan = dryRunPlan({
      target: config.target,
      description: target.description,
      budget: config.budget,
      frameTokens,
    });
    return { kind: 'dry-run', plan };
  }

  const fullConfig: RunConfig = { ...config, description: target.description };
  let run: string;
  if (previous?.record) {
    run = previous.record.dir;
    record = previous.record;
  } else {
    run = createRunDir(resolve(cwd, (request.start as { out: string }).out), config.target, new Date());
    const lock = await lockRunDir(run);
    held(lock);
    record = RunRecord.create(run, fullConfig, new Date(), lock);
  }
  for (const entry of early.splice(0)) record.append(entry);
  const recorded = previous?.entries ?? [];
  const observed = new Set(recorded.flatMap((e) => (e.kind === 'observation' ? [e.seq] : [])));
  // observations.jsonl is derived: rebuilt from the record so a kill between the two writes leaves no gap
  if (previous)
    writeFileSync(
      join(run, RUN_FILES.observations),
      recorded
        .flatMap((e) =>
          e.kind === 'observation'
            ? [`${JSON.stringify({ seq: e.seq, probes: e.probes, promptTokens: e.promptTokens })}\n`]
            : [],
        )
        .join(''),
    );

  let result: Awaited<ReturnType<typeof identify>>;
  const trail: TrailPoint[] = [];
  // the trail counts requests sent, as the progress line does: repeats, follow-ups and channel requests too
  let sent = 0;
  try {
    result = await identify({
      target: resumableTarget(target, record, recorded),
      index,
      budget: config.budget,
      rng: seededRng(config.seed),
      channels: request.channels,
      engine: request.engine,
      onStep: (step) => {
        // each observation is recorded before the run goes on; one read back from the record already is
        if (step.kind === 'channels' && !recorded.some((e) => e.kind === 'channels'))
          record!.append({ kind: 'channels', ...step.discovery, reading: [...step.discovery.reading] });
        if (step.kind === 'observation' && !observed.has(step.record.seq)) {
          record!.append({ kind: 'observation', ...step.record });
          appendRunLine(run, RUN_FILES.observations, step.record);
        }
        if (step.kind === 'request') sent++;
        if (step.kind === 'posterior') trail.push(trailPoint(step.fused, sent));
        onStep?.(step);
      },
    });
  } catch (error) {
    // a record that no longer matches cannot be continued: saying "--resume" again would only repeat this
    if (error instanceof RecordMismatch)
      throw new UserError(`${error.message}; the run in ${run} cannot be continued: start a new run`, {
        exitCode: error.exitCode,
      });
    // answers that cannot be used would be read again from the record by a resumed run
    if (error instanceof UnusableAnswerError)
      throw new UserError(`${error.message}; the answers are recorded in ${run}`, { exitCode: error.exitCode });
    // a resumed run keeps the recorded caps and would be sent the same answer again
    if (error instanceof AnswerCutError)
      throw new UserError(
        `${error.message}; the run so far is in ${run}; a resumed run keeps its caps, so start a new run to read such answers`,
        { exitCode: error.exitCode },
      );
    const again = withholdsCredentials(config.target) ? `'<the target with its credentials>' ` : '';
    if (error instanceof UserError)
      throw new UserError(
        `${error.message}; the run so far is in ${run}: continue it with tokprint identify ${again}--resume ${run}`,
        { exitCode: error.exitCode },
      );
    throw error;
  }
  const json = await runVerdict(result, readEntries(record.path).entries, {
    dir: run,
    target: config.target,
    index,
    trail,
  });
  writeRunJson(run, RUN_FILES.verdict, json);
  record.close();
  return {
    kind: 'finished',
    run,
    verdict: json,
    exitCode: result.verdict.status === 'inconclusive' ? 1 : 0,
  };
}
