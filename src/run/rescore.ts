import type { CountIndex } from '../signatures/count-index.js';
import type { Observation } from '../signatures/observations.js';
import { UserError } from '../util/errors.js';
import { signatureGroups } from '../scoring/hypotheses.js';
import type { IdentifyResult, PackLabel, RequestRecord } from '../scoring/identify.js';
import { posterior, type Posterior } from '../scoring/posterior.js';
import { decide, type Verdict } from '../scoring/verdict.js';
import { withRelatives } from '../scoring/verdict-relatives.js';
import { probePositions, requestSignature } from '../scoring/request-signature.js';
import { unstableVerdict } from '../scoring/usage-check.js';
import { inconclusiveNoiseReason } from '../scoring/noise-verdict.js';
import { setAsideSpread } from './billed-count-check.js';
import { frameSpread } from '../scoring/frame-spread.js';
import { noiseHeldBack } from './match-separation.js';
import { twinsBeyondReach } from '../planning/twins-apart.js';
import { withoutUncheckedChange } from './unchecked-change.js';

/**
 * How far identical requests' counts moved, as a run's record shows them: each repeat of the bare frame against the
 * frame, then each count request asked again to check its stray and billed differently against its first count.
 */
export function recordedMoves(
  observations: readonly { seq: number; promptTokens: number }[],
  frameChecks: readonly number[],
  strayChecks: readonly { of: number; count: number }[],
): number[] {
  if (!observations.length) return [];
  const strayMoves = strayChecks.flatMap(({ of, count }) => {
    const first = observations.find((o) => o.seq === of)?.promptTokens;
    return first === undefined || first === count ? [] : [count - first];
  });
  return [...frameChecks.map((c) => c - observations[0].promptTokens), ...strayMoves];
}

/**
 * Scores recorded observations again against an index, sending nothing: the verdict a finished run
 * would reach now, e.g. after the index has grown.
 */
export function rescore(
  observations: readonly (Observation & { stratum: PackLabel; tested?: string })[],
  index: CountIndex,
  recordedStop: IdentifyResult['stop'],
  scored?: Posterior,
  /** The counts of the run's repeats of the bare frame, when it made any (see frameRepeats). */
  frameChecks: readonly number[] = [],
  /** The run set its billed counts aside (impossible or unstable, see billedCountCheck): they name no change. */
  countsUnread = false,
  /** The count requests the run asked again to check a stray (see strayConfirmed): their counts, by request. */
  strayChecks: readonly { of: number; count: number }[] = [],
  /** The verdict the run recorded, when it did: reached again, it keeps the run's reason to stop. */
  recordedVerdict?: { status: string; reference: string | null },
  /** Why the run set its counts aside as unstable, rebuilt from its checks (see unstableEndReason), when it did. */
  unstableReason?: string,
): IdentifyResult {
  const known = new Set(index.probes.map((p) => p.id));
  const missing = [...new Set(observations.flatMap((o) => o.probes.filter((id) => !known.has(id))))];
  if (missing.length)
    throw new UserError(
      `the index no longer has probe${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''} that this run sent`,
    );
  const requests: RequestRecord[] = observations.map((o) => ({
    seq: o.seq,
    probes: o.probes,
    promptTokens: o.promptTokens,
    stratum: o.stratum,
    ...(o.tested ? { tested: o.tested } : {}),
  }));
  // identical requests billed differently: every count is read through the moves the repeats measured, as the run read them
  const firstAsked = (of: number) => requests.find((r) => r.seq === of)?.promptTokens;
  const confirmed = strayChecks.filter(({ of, count }) => firstAsked(of) === count).map(({ of }) => of);
  const moves = recordedMoves(requests, frameChecks, strayChecks);
  const varied = moves.some((m) => m !== 0);
  // counts set aside report the spread their reason names, as the live run does
  const setAside = countsUnread || recordedStop === 'usage-count-unstable';
  const spread = varied ? (setAside ? setAsideSpread(moves) : frameSpread(moves)) : 0;
  const repeats = { spread, made: frameChecks.length, moves, confirmed };
  const signature = requestSignature(requests, index);
  const post = scored ?? posterior(varied ? { ...signature, moves } : signature, signatureGroups(index));
  const packChecks = strayChecks.length ? { packChecks: strayChecks.length } : {};
  const repeatTokens = [...frameChecks, ...strayChecks.map((c) => c.count)].reduce((sum, c) => sum + c, 0);
  const promptTokens = requests.reduce((sum, r) => sum + r.promptTokens, 0) + repeatTokens;
  const queries = requests.length + frameChecks.length + strayChecks.length;
  // the run found the same request billed differently: no verdict from these counts, now as then
  if (recordedStop === 'usage-count-unstable')
    return {
      verdict: unstableVerdict(),
      posterior: post,
      requests,
      queries,
      promptTokens,
      stop: recordedStop,
      unstable: unstableReason ?? 'the run found the same request billed differently',
      ...(repeats.spread && {
        noise: {
          spread: repeats.spread,
          repeats: repeats.made,
          ...packChecks,
          repeatTokens,
          ...(unstableReason && { reason: unstableReason }),
        },
      }),
    };
  // twins no request could part through the noise are named together at once, as the live run names them
  const positions = probePositions(index);
  const used = new Set(requests.flatMap((r) => r.probes.map((id) => positions.get(id)!)));
  const twins = repeats.spread ? decide(post, true) : undefined;
  const leading =
    decide(post, false) ?? (twins && twinsBeyondReach(twins, index, used, repeats.spread) ? twins : undefined);
  // under noise a change, or a tokenizer outside the index, is named as the run named it: only where it stands
  // clear of the spread, and a match only once set apart from the next family; counts set aside hold nothing back,
  // as the live run's did not
  const heldBack = (v: Verdict) => (countsUnread ? undefined : noiseHeldBack(post, v, requests, index, repeats));
  const confident = leading && !heldBack(leading) ? leading : undefined;
  let verdict = confident ?? decide(post, true)!;
  if (!countsUnread) verdict = withoutUncheckedChange(verdict, post, requests, repeats);
  let reason = heldBack(verdict);
  if (reason) verdict = decide({ groups: [], unknown: 0 }, true)!;
  else if (verdict.status === 'inconclusive' && repeats.spread && !countsUnread)
    reason = inconclusiveNoiseReason(post, requests, repeats);
  // counts set aside as unstable keep the reason the run named with their spread
  else if (countsUnread) reason = unstableReason;
  return {
    // the nearest classes of an inconclusive run held back by the noise are kept, as the live run keeps them
    verdict: countsUnread ? verdict : withRelatives(verdict, post, requests, index),
    posterior: post,
    requests,
    queries,
    promptTokens,
    // why the run stopped is the run's: only a verdict it did not reach (the index changed) takes another reason
    stop:
      recordedVerdict?.status === verdict.status && recordedVerdict.reference === verdict.reference
        ? recordedStop
        : confident
          ? 'confident'
          : recordedStop === 'confident'
            ? 'max-queries'
            : recordedStop,
    ...((repeats.spread || reason) && {
      noise: { spread: repeats.spread, repeats: repeats.made, ...packChecks, repeatTokens, ...(reason && { reason }) },
    }),
  };
}
