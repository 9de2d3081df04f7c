import PQueue from 'p-queue';
import type { AuditOutcome, AuditResult, AuditTargetResult } from './audit-result.js';
import { isUserError } from '../util/errors.js';
import { type Expectation, expectedText, foundText, judge } from './audit-expect.js';
import { type RunRequest, runIdentify } from './identify-run.js';
import type { Workspace } from './workspace.js';

/** One target of an audit, ready to run: a normal identify request and what its verdict must say. */
export interface AuditTarget {
  label: string;
  /** The target as shown (credentials redacted). */
  shown: string;
  /** Targets with the same host key never run more than `perHost` at once. */
  host: string;
  /** Variables this target alone sees (its base URL from `apiBaseUrl`), over the process environment. */
  env?: NodeJS.ProcessEnv;
  request: RunRequest;
  expect?: Expectation;
}

/** The run directory a failed run names in its error line (`the run so far is in <dir>`), if any. */
function runNamed(message: string): string | undefined {
  return /(?:the run so far is in|the answers are recorded in|the run in) (\S+?)(?::|;|$| cannot)/.exec(message)?.[1];
}

async function auditOne(
  workspace: Workspace,
  target: AuditTarget,
  settings: AuditSettings,
): Promise<AuditTargetResult> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  const base = {
    label: target.label,
    target: target.shown,
    expected: expectedText(target.expect),
    reports: [] as string[],
  };
  const own: Workspace = target.env ? { ...workspace, env: { ...workspace.env, ...target.env } } : workspace;
  try {
    const outcome = await runIdentify(own, target.request, { cwd: settings.cwd });
    if (outcome.kind !== 'finished') throw new Error('an audit never asks for a dry run');
    const { verdict } = outcome.verdict;
    return {
      ...base,
      outcome: judge(target.expect, verdict).outcome,
      found: foundText(verdict),
      status: verdict.status,
      family: verdict.family,
      class: verdict.class,
      confidence: verdict.status === 'inconclusive' ? null : verdict.confidence,
      requests: outcome.verdict.queries,
      promptTokens: outcome.verdict.promptTokens,
      flags: verdict.flags ?? [],
      ...(outcome.verdict.noise && { noise: outcome.verdict.noise }),
      run: outcome.run,
      reports: settings.writeReports ? await settings.writeReports(outcome.run) : [],
      exitCode: outcome.exitCode,
      seconds: seconds(),
    };
  } catch (error) {
    if (!isUserError(error)) throw error;
    const run = runNamed(error.message);
    return {
      ...base,
      outcome: 'error',
      found: error.message,
      ...(run && { run }),
      exitCode: error.exitCode,
      seconds: seconds(),
    };
  }
}

/** How an audit runs its targets. */
export interface AuditSettings {
  /** Relative run and output directories are taken from here. */
  cwd: string;
  concurrency: number;
  perHost: number;
  description?: string;
  /** Writes a sealed run's reports beside its verdict; returns the paths written. */
  writeReports?: (run: string) => Promise<string[]>;
}

/**
 * Runs each target as its own identify run (own run directory, record and reports), at most `concurrency`
 * at once and at most `perHost` at once against one host, and judges each verdict against its expectation.
 */
export async function runAudit(
  workspace: Workspace,
  targets: readonly AuditTarget[],
  settings: AuditSettings,
  onDone?: (result: AuditTargetResult, index: number) => void,
): Promise<AuditResult> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const all = new PQueue({ concurrency: settings.concurrency });
  const hosts = new Map<string, PQueue>();
  const hostQueue = (host: string) => {
    let queue = hosts.get(host);
    if (!queue) hosts.set(host, (queue = new PQueue({ concurrency: settings.perHost })));
    return queue;
  };
  const results = await Promise.all(
    targets.map((target, i) =>
      hostQueue(target.host).add(async () => {
        const result = await all.add(() => auditOne(workspace, target, settings));
        onDone?.(result, i);
        return result;
      }),
    ),
  );
  const counts: Record<AuditOutcome, number> = { passed: 0, failed: 0, inconclusive: 0, error: 0 };
  for (const r of results) counts[r.outcome]++;
  return {
    ...(settings.description !== undefined && { description: settings.description }),
    startedAt,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    targets: results,
    counts,
    exitCode: counts.passed === results.length ? 0 : 1,
  };
}
