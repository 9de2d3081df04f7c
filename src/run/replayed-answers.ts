import type { Verdict } from '../scoring/verdict.js';
import type { RecordEntry } from './run-record.js';

/** The verdict flag of a run some of whose answers came from the answer cache (`--cache`) instead of the target. */
export const ANSWERS_REPLAYED = 'answers-replayed';

/** How many of a run's requests were answered by replaying a stored answer; a request answered again after a resume counts once. */
export function replayedAnswers(entries: readonly RecordEntry[]): number {
  const replayed = new Map<number, boolean>();
  for (const entry of entries) {
    if (entry.kind === 'response')
      replayed.set(entry.seq, (entry.metadata as { replayed?: unknown } | undefined)?.replayed === true);
  }
  return [...replayed.values()].filter(Boolean).length;
}

/** The verdict with the `answers-replayed` flag when any answer was replayed. */
export function flagReplayed<V extends Verdict>(verdict: V, replayed: number): V {
  if (!replayed || verdict.flags?.includes(ANSWERS_REPLAYED)) return verdict;
  return { ...verdict, flags: [...(verdict.flags ?? []), ANSWERS_REPLAYED] };
}
