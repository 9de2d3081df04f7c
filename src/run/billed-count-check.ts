import { frameText } from '../probes/frame.js';
import { frameSpread } from '../scoring/frame-spread.js';
import { measuredSpread } from '../scoring/noisy-likelihood.js';
import { frameRange, NOISE_CEILING, noiseReason } from '../scoring/noise-verdict.js';
import {
  impossiblePromptCount,
  overgrownCount,
  promptBytes,
  promptLength,
  staticPromptCounts,
  unreadableUsage,
  unstableCounts,
} from '../scoring/usage-check.js';
import { isCount } from '../targets/http/reply-fields.js';
import type { TargetRequest, TargetResponse } from '../targets/target.js';

/** What a count request's billed prompt count is worth as evidence, as a live run and a rescore both judge it. */
export type CountCheck =
  /** A count that moves with the prompt: read. */
  | { read: number }
  /** The answer gave no usage: the counts are absent from here on. */
  | { absent: string }
  /** A count no tokenizer can bill (a non-count, 0 for text, far too many or too few): the counts are unreadable. */
  | { impossible: string }
  /** A count that does not move with the prompt as a fixed hidden prompt would: unreadable unless counts vary. */
  | { suspect: string };

/**
 * Checks each count request's billed count in the order sent, against the requests read before it: the rules a
 * live run applies as the answers come and a rescore applies to the recorded answers, so both set the same counts
 * aside and flag them alike.
 */
export function billedCountCheck(): (seq: number, request: TargetRequest, response: TargetResponse) => CountCheck {
  const lengths: { seq: number; chars: number; bytes: number; promptTokens: number }[] = [];
  return (seq, request, response) => {
    if (!response.usage) return { absent: `the target reported no token usage for request ${seq}` };
    const length = {
      seq,
      chars: promptLength(request),
      bytes: promptBytes(request),
      promptTokens: response.usage.promptTokens,
    };
    const impossible = impossiblePromptCount(response.usage, request, seq);
    if (impossible) return { impossible: unreadableUsage(impossible) };
    const problem = staticPromptCounts([...lengths, length]);
    if (problem) return { suspect: problem };
    lengths.push(length);
    return { read: response.usage.promptTokens };
  };
}

/**
 * The spread counts set aside are reported with: the measured one, or as far as the frame's counts lay apart when
 * that is more. A move past every spread the model weighs is read as a jump on a small spread, which is no size to
 * name for counts called unstable.
 */
export function setAsideSpread(moves: readonly number[]): number {
  return Math.max(measuredSpread(moves), frameRange(moves));
}

/**
 * Why the counts cannot be read once the bare frame, asked again, was billed `again` against its first `first`
 * (with every move measured so far): undefined while it was billed alike. `spread` is the measured spread, when
 * the moves give one; `named` the spread its reason names, which a run whose counts are set aside reports.
 */
export function unstableFrame(
  first: number,
  again: unknown,
  moves: readonly number[],
  request?: string,
): { reason: string; spread: number; named: number } | undefined {
  const unstable = unstableCounts(first, again, request);
  if (!unstable) return undefined;
  const spread = Number.isSafeInteger(again) ? frameSpread(moves) : Infinity;
  const named = Number.isFinite(spread) ? setAsideSpread(moves) : spread;
  // within the ceiling the counts are set aside only where the answers' own tokens are read instead
  const detail =
    named > NOISE_CEILING
      ? `more than ${NOISE_CEILING}, which the counts of a few requests cannot tell from a tokenizer`
      : "the answers' own tokens, which a changing hidden prompt does not move, are read instead";
  return { reason: `${unstable}${Number.isFinite(named) ? `; ${noiseReason(named, detail)}` : ''}`, spread, named };
}

/**
 * Why a count request's probes, asked again to check a stray, were billed past what any tokenizer bills for the
 * bytes the request adds to the bare frame (billed `frame`), or undefined: the same cap a count request is held to.
 */
export function overgrownRecheck(frame: number, request: TargetRequest, again: number, seq: number | string) {
  const frameBytes = promptBytes({ messages: [{ role: 'user', content: frameText([]) }] });
  return overgrownCount(
    { seq: 1, bytes: frameBytes, promptTokens: frame },
    { seq, bytes: promptBytes(request), promptTokens: again },
  );
}

/**
 * Why the counts are set aside once identical requests came back alike after a move past the ceiling that the jump
 * check could not read as a jump: the move farthest from the first count names them.
 */
export function unstableAfterAlike(first: number, moves: readonly number[], request?: string) {
  const far = moves.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
  return unstableFrame(first, first + far, moves, request);
}

/** A check of identical requests as a record shows it: the first count, the count asked again, and what was asked. */
export interface RecordedCheck {
  first: number;
  again: unknown;
  /** A count request's probes asked again (`request N's probes`); absent for the bare frame. */
  request?: string;
}

/**
 * Why a run that ended on unstable counts set them aside, rebuilt from its checks in the order sent as the live run
 * built it (see unstableFrame): the last check ended the run, billed apart from its first count, or billed alike after
 * a move past the ceiling the jump check could not read as a jump. Undefined where the last check's count is no count.
 */
export function unstableEndReason(checks: readonly RecordedCheck[]): string | undefined {
  const moves: number[] = [];
  let last: RecordedCheck | undefined;
  for (const check of checks) {
    // a count request's probes billed alike confirm its stray: no move, and not what ended the run
    if (check.request && check.again === check.first) continue;
    last = check;
    // a count no target bills (negative, not an integer) is no count, as the run's own checks read it
    if (isCount(check.again)) moves.push(check.again - check.first);
  }
  if (!last || !isCount(last.again)) return undefined;
  const unstable =
    unstableFrame(last.first, last.again, moves, last.request) ?? unstableAfterAlike(last.first, moves, last.request);
  return unstable && Number.isFinite(unstable.spread) ? unstable.reason : undefined;
}
