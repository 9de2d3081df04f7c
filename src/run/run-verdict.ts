import { strongestProbes } from '../report/strongest-probes.js';
import type { TrailPoint } from '../report/posterior-trail.js';
import { verdictJson } from '../report/verdict-json.js';
import type { IdentifyResult } from '../scoring/identify.js';
import type { CountIndex } from '../signatures/count-index.js';
import { flagReplayed, replayedAnswers } from './replayed-answers.js';
import type { RecordEntry } from './run-record.js';

/**
 * verdict.json of a run scored live or again from its record: flagged when any answer was replayed from the
 * answer cache (the result's verdict takes the flag too), with the probes that told the candidates apart.
 */
export async function runVerdict(
  result: IdentifyResult,
  entries: readonly RecordEntry[],
  run: { dir: string; target: string; index: CountIndex; trail?: TrailPoint[] },
): Promise<ReturnType<typeof verdictJson>> {
  const replayed = replayedAnswers(entries);
  result.verdict = flagReplayed(result.verdict, replayed);
  return verdictJson(result, {
    run: run.dir,
    target: run.target,
    strongestProbes: await strongestProbes(result, run.index),
    replayed,
    trail: run.trail,
  });
}
