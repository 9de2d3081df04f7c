import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { activeIndexDir } from '../../references/catalog.js';
import { dryRunPlan, dryRunText } from '../../report/dry-run-plan.js';
import { appendRunLine, createRunDir, RUN_FILES, writeRunJson } from '../../report/run-dir.js';
import { progressLine } from '../../report/progress-line.js';
import type { ReportFormatName } from '../../report/report-formats.js';
import { finishedRunText } from '../../report/run-outputs.js';
import { strongestProbes } from '../../report/strongest-probes.js';
import { RunRecord, type RecordEntry, type RunConfig } from '../../report/run-record.js';
import { verdictJson } from '../../report/verdict-json.js';
import { identify, type Budget } from '../../scoring/identify.js';
import type { ChannelRuntime } from '../../scoring/channels/runtime.js';
import type { Engine } from '../../scoring/batch/engine.js';
import type { CountIndex } from '../../signatures/count-index.js';
import { readCountSignatures } from '../../signatures/count-signatures-file.js';
import { createTarget, type TargetDeps } from '../../targets/create-target.js';
import type { HttpTargetOptions } from '../../targets/http/http-options.js';
import type { WireEntry } from '../../targets/http/wire-entry.js';
import { resumableTarget } from '../../targets/resumable-target.js';
import { UserError } from '../../util/errors.js';
import { UnusableAnswerError } from '../../scoring/usage-check.js';
import { seededRng } from '../../util/rng.js';
import type { CliIo } from '../io.js';

export interface RunRequest {
  /** A new run of this target, or the run directory of a killed run to continue. */
  start: { target: string; budget: Budget; seed: number; http: HttpTargetOptions; out: string } | { resume: string };
  json: boolean;
  dryRun: boolean;
  /** Report formats to write beside the verdict. */
  reports?: ReportFormatName[];
  quiet?: boolean;
  /** Answer channels beyond the billed counts. */
  channels?: ChannelRuntime;
  /** The scoring path asked for; by the index's size when absent. */
  engine?: Engine;
}

/**
 * An identify run with a full record: the config first, each exchange before it is used, the
 * verdict beside it and a digest last. A resumed run answers the requests it already has from the
 * record and goes live only after them.
 */
export async function runIdentify(io: CliIo, request: RunRequest, index: CountIndex, reference: TargetDeps['reference']): Promise<number> {
  let previous: { record: RunRecord; entries: RecordEntry[] } | undefined;
  let config: Omit<RunConfig, 'description'>;
  if ('resume' in request.start) {
    previous = RunRecord.reopen(resolve(io.cwd, request.start.resume));
    config = (previous.entries[0] as Extract<RecordEntry, { kind: 'config' }>).config;
  } else {
    const { target, budget, seed, http } = request.start;
    config = { target, budget, seed, http: http as Record<string, unknown>, probes: index.probes.length, references: index.references.length };
    if (request.channels) config.channels = [...request.channels.enabled];
  }

  let record: RunRecord | undefined = previous?.record;
  // a target's detection probes go out before the run dir exists; they are recorded right after the config
  const early: WireEntry[] = [];
  const target = await createTarget(config.target, {
    cwd: io.cwd,
    env: io.env,
    reference,
    http: config.http as HttpTargetOptions | undefined,
    wire: { append: (entry: WireEntry) => (record ? record.append(entry) : early.push(entry)) },
    probe: !request.dryRun,
  });

  if (request.dryRun) {
    // the frame's count by every indexed reference tokenizer, computed when the index was built
    const signatures = await readCountSignatures(activeIndexDir(io.env));
    const plan = dryRunPlan({
      target: config.target,
      description: target.description,
      budget: config.budget,
      frameTokens: Math.max(...signatures.references.map((r) => r.frame)),
    });
    io.stdout(request.json ? JSON.stringify({ dryRun: plan }) + '\n' : dryRunText(plan));
    return 0;
  }

  const fullConfig: RunConfig = { ...config, description: target.description };
  const run = previous ? previous.record.dir : createRunDir(resolve(io.cwd, (request.start as { out: string }).out), config.target, new Date());
  record ??= RunRecord.create(run, fullConfig);
  for (const entry of early.splice(0)) record.append(entry);
  const recorded = previous?.entries ?? [];
  const observed = new Set(recorded.flatMap((e) => (e.kind === 'observation' ? [e.seq] : [])));
  // observations.jsonl is derived: rebuilt from the record so a kill between the two writes leaves no gap
  if (previous) writeFileSync(join(run, RUN_FILES.observations), recorded.flatMap((e) => (e.kind === 'observation' ? [JSON.stringify({ seq: e.seq, probes: e.probes, promptTokens: e.promptTokens }) + '\n'] : [])).join(''));

  const progress = progressLine(io, index, config.budget, Boolean(request.quiet));
  let result;
  try {
    result = await identify({
      target: resumableTarget(target, record, recorded),
      index,
      budget: config.budget,
      rng: seededRng(config.seed),
      channels: request.channels,
      engine: request.engine,
      onObservation: (observation, stratum) => {
        progress.update(observation);
        if (observed.has(observation.seq)) return;
        record!.append({ kind: 'observation', ...observation, stratum });
        appendRunLine(run, RUN_FILES.observations, observation);
      },
    });
  } catch (error) {
    progress.done();
    // answers that cannot be used would be read again from the record by a resumed run
    if (error instanceof UnusableAnswerError) throw new UserError(`${error.message}; the answers are recorded in ${run}`, { exitCode: error.exitCode });
    if (error instanceof UserError) throw new UserError(`${error.message}; the run so far is in ${run}: continue it with tokprint identify --resume ${run}`, { exitCode: error.exitCode });
    throw error;
  }
  progress.done();
  const json = verdictJson(result, { run, target: config.target, strongestProbes: await strongestProbes(result, index) });
  writeRunJson(run, RUN_FILES.verdict, json);
  record.close();
  const summary = await finishedRunText(io, run, request.reports, request.quiet);
  io.stdout(request.json ? JSON.stringify(json) + '\n' : summary);
  return result.verdict.status === 'inconclusive' ? 1 : 0;
}
