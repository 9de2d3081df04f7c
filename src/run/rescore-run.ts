import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { verdictJson } from '../scoring/verdict-json.js';
import { chooseEngine, type Engine, scorePosterior } from '../scoring/batch/engine.js';
import { signatureGroups } from '../scoring/hypotheses.js';
import type { IdentifyResult } from '../scoring/identify.js';
import { posterior, type Posterior } from '../scoring/posterior.js';
import { requestSignature } from '../scoring/request-signature.js';
import type { Observation } from '../signatures/observations.js';
import { type TrailPoint, trailPoint } from '../scoring/posterior-trail.js';
import { billedPromptTokens } from '../targets/billed-tokens.js';
import { isCount } from '../targets/http/reply-fields.js';
import { UserError } from '../util/errors.js';
import { type RecordedExchange, recordedExchanges } from './recorded-exchanges.js';
import { replayChannels } from './replay-channels.js';
import { annotate } from '../scoring/channels/runtime.js';
import { runVerdict } from './run-verdict.js';
import { recordedMoves, rescore } from './rescore.js';
import { RUN_FILES } from './run-dir.js';
import { checkVerdict } from './run-files.js';
import { type RecordedCheck, unstableEndReason } from './billed-count-check.js';
import { digestProblem, type RecordEntry, type RunConfig, readRecord } from './run-record.js';
import type { Workspace } from './workspace.js';

export interface Rescored {
  config: RunConfig;
  result: IdentifyResult;
  verdict: ReturnType<typeof verdictJson>;
}

/**
 * The verdict from a run's recorded answers against today's index, sending nothing: counts scored by the
 * engine asked for (or the index's size), and a run that read answer channels replayed through the same
 * channels in the order it read them.
 */
export async function rescoreRun(
  workspace: Workspace,
  run: string,
  forced?: Engine,
  /** Told why the record is not a sealed, intact run, when it is not: its answers are scored all the same. */
  onProblem?: (problem: string) => void,
): Promise<Rescored> {
  const { path, entries, config } = readRecord(run);
  const problem = digestProblem(path);
  if (problem) onProblem?.(problem);

  const seen = new Set<number>();
  const observations = entries.flatMap((e: RecordEntry) =>
    e.kind === 'observation' && !seen.has(e.seq) && seen.add(e.seq) ? [e as typeof e & { stratum: 'frame' }] : [],
  );
  if (!observations.length) throw new UserError(`${path} holds no answered request to score`);

  const index = await workspace.countIndex();
  const verdictPath = join(run, RUN_FILES.verdict);
  const recorded = existsSync(verdictPath) ? checkVerdict(readVerdict(verdictPath), verdictPath) : undefined;
  const recordedStop = (recorded?.stop ?? 'max-queries') as IdentifyResult['stop'];
  const groups = signatureGroups(index);
  const known = new Set(index.probes.map((p) => p.id));
  const scorable = observations.every((o) => o.probes.every((id) => known.has(id)));
  // a run that read answer channels is scored with the same channels, replayed in the order it read them
  const channels = config.channels && scorable ? await workspace.namedChannels(config) : undefined;
  const trail: TrailPoint[] = [];
  const fused = channels
    ? await replayChannels(entries, observations, index, channels, (sent, post) => trail.push(trailPoint(post, sent)))
    : undefined;
  // counts that moved between identical requests are read through those moves, which only the exact path weighs,
  // as the live run scored them
  const sent = recordedExchanges(entries);
  const moved = recordedMoves(observations, frameChecks(sent), strayChecks(sent)).some((m) => m !== 0);
  const batch = scorable && !moved && chooseEngine(groups.length, forced) !== 'exact';
  const countsOf = (some: readonly Observation[]): Posterior =>
    batch
      ? scorePosterior(requestSignature(some, index), groups, forced)
      : posterior(requestSignature(some, index), groups);
  const scored = fused ? fused.posterior : batch ? countsOf(observations) : undefined;
  // the frame checks count as the live run counted them, also where the answers' own tokens were read: a change
  // the counts show small is claimed only after the frame was asked again, and rescore asks the same of the record
  const result = rescore(
    observations,
    index,
    recordedStop,
    scored,
    frameChecks(sent),
    fused?.countsUnread !== undefined,
    strayChecks(sent),
    recorded?.verdict,
    fused?.countsUnstable ??
      (recordedStop === 'usage-count-unstable' ? unstableEndReason(recordedChecks(sent, observations)) : undefined),
  );
  // the spend is what the target billed for every answer recorded, as the live run counted it
  result.promptTokens = billedPromptTokens(sent.map((e) => e.response?.usage?.promptTokens));
  result.engine = scored && !channels ? chooseEngine(groups.length, forced) : 'exact';
  if (fused) {
    const verdict = annotate(result.verdict, fused);
    // a verdict the dispute holds back was not reached: the run stopped where it stopped, not for confidence
    const heldBack = verdict.status === 'inconclusive' && result.verdict.status !== 'inconclusive';
    const stop =
      heldBack && result.stop === 'confident'
        ? recordedStop === 'confident'
          ? 'max-queries'
          : recordedStop
        : result.stop;
    Object.assign(result, { verdict, channels: fused.summary, stop });
  } else
    for (const step of loopSteps(sent))
      trail.push(trailPoint(countsOf(observations.filter((o) => o.seq <= step.counted)), step.sent));
  const verdict = await runVerdict(result, entries, { dir: run, target: config.target, index, trail });
  return { config, result, verdict };
}

/**
 * The points where a live run scored: after each count request with its follow-ups and after each frame check,
 * with the requests sent by then and the count requests among them.
 */
function loopSteps(sent: readonly RecordedExchange[]): { sent: number; counted: number }[] {
  let counted = 0;
  return sent.flatMap(({ role }, i) => {
    if (role.kind === 'count') counted++;
    return sent[i + 1]?.role.kind === 'follow-up' || !counted ? [] : [{ sent: i + 1, counted }];
  });
}

/** The billed counts of the run's repeats of the bare frame (the frame checks), in the order sent. */
function frameChecks(sent: readonly RecordedExchange[]): number[] {
  return sent.flatMap(({ role, response }) => {
    const count = response?.usage?.promptTokens;
    return role.kind === 'frame-check' && isCount(count) ? [count] : [];
  });
}

/** The run's checks of identical requests (the frame asked again, a stray's probes asked again), in the order sent. */
function recordedChecks(
  sent: readonly RecordedExchange[],
  observations: readonly { seq: number; promptTokens: number }[],
): RecordedCheck[] {
  const frame = observations[0].promptTokens;
  return sent.flatMap(({ role, response }): RecordedCheck[] => {
    const again = response?.usage?.promptTokens;
    if (role.kind === 'frame-check') return [{ first: frame, again }];
    if (role.kind !== 'stray-check') return [];
    const first = observations.find((o) => o.seq === role.of)?.promptTokens;
    return first === undefined ? [] : [{ first, again, request: `request ${role.of}'s probes` }];
  });
}

/** The billed counts of the run's checks of a stray (a count request's probes asked again), in the order sent. */
function strayChecks(sent: readonly RecordedExchange[]): { of: number; count: number }[] {
  return sent.flatMap(({ role, response }) => {
    const count = response?.usage?.promptTokens;
    return role.kind === 'stray-check' && isCount(count) ? [{ of: role.of, count }] : [];
  });
}

function readVerdict(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UserError(`${path}: the verdict is not valid JSON (${(error as Error).message})`);
  }
}
