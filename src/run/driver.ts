import { frameText } from '../probes/frame.js';
import { coreCheckDue, coreOf, planCoreCheck, type CoreKind } from '../planning/core-check.js';
import {
  changeChecked,
  edgeCheckDue,
  edgeChecksOfLeader,
  ownFamilyEdge,
  planEdgeCheck,
} from '../planning/edge-check.js';
import { planEdgeRepeat } from '../planning/edge-repeat.js';
import { planNext } from '../planning/planner.js';
import { twinsBeyondReach } from '../planning/twins-apart.js';
import type { Engine } from '../scoring/batch/engine.js';
import { annotate, type ChannelFusion, type ChannelRuntime } from '../scoring/channels/runtime.js';
import {
  type Budget,
  type IdentifyResult,
  type PackLabel,
  type RequestRecord,
  requestLimit,
} from '../scoring/identify.js';
import { frameSpread } from '../scoring/frame-spread.js';
import type { Posterior } from '../scoring/posterior.js';
import {
  checkAnswerLength,
  UnusableAnswerError,
  USAGE_COUNT_UNSTABLE,
  unreadableUsage,
  unstableVerdict,
} from '../scoring/usage-check.js';
import { decide, rankedGroups, type Verdict } from '../scoring/verdict.js';
import type { CountNoise } from '../scoring/count-spread.js';
import {
  NOISE_CEILING,
  SMALL_DEVIATION,
  derivedHeldBack,
  inconclusiveNoiseReason,
  largestDeviation,
  UNKNOWN_REPEATS,
  unknownHeldBack,
  matchStrays,
  spreadUnmeasured,
  SPREAD_REPEATS,
} from '../scoring/noise-verdict.js';
import { probePositions } from '../scoring/request-signature.js';
import { largestStray } from '../scoring/stray-repeat.js';
import { withRelatives } from '../scoring/verdict-relatives.js';
import type { CountIndex } from '../signatures/count-index.js';
import type { Target, TargetRequest, TargetResponse } from '../targets/target.js';
import { billedPromptTokens } from '../targets/billed-tokens.js';
import { recordedTarget, type Transcript } from '../targets/transcript.js';
import type { Rng } from '../util/rng.js';
import { billedCountCheck, overgrownRecheck, unstableAfterAlike, unstableFrame } from './billed-count-check.js';
import { ownCoreStrayed, withoutUncheckedChange } from './unchecked-change.js';
import { noiseHeldBack, planSeparation, unseparatedRival } from './match-separation.js';
import { type RequestRole, type RunStep, runProtocol } from './protocol.js';

export interface IdentifyInput {
  target: Target;
  index: CountIndex;
  budget: Budget;
  rng: Rng;
  /** Every request is appended before it is sent and every answer before it is used. */
  transcript?: Transcript;
  /** Answer channels (logprobs, stream, …) fused with the count posterior; absent means counts alone. */
  channels?: ChannelRuntime;
  /** How the counts are scored; by the index's size when absent (see chooseEngine). */
  engine?: Engine;
  /** Each step of the loop as it happens, for whatever watches the run (a progress line, a trace). */
  onStep?: (step: RunStep) => void;
}

/**
 * The identification loop: the bare frame first, then packs chosen against the current posterior,
 * until a verdict is confident or the budget would be exceeded.
 */
export async function identify(input: IdentifyInput): Promise<IdentifyResult> {
  const { index, budget, rng } = input;
  const target = input.transcript ? recordedTarget(input.target, input.transcript) : input.target;
  const protocol = runProtocol(input);
  if (input.target.offers) input.channels?.knownOffers(input.target.offers);
  const { groups, requests, engine } = protocol;
  const used = new Set<number>();
  /** The prompt tokens billed for every answer so far (see billedPromptTokens), whether or not they are read. */
  let promptTokens = 0;
  let followUps = 0;
  /** A count request sent and billed but not yet recorded: while its count is checked (see jumpOrImpossible). */
  let unrecorded = 0;
  /** Every request paid for: the count requests and the channels' follow-ups. */
  const spent = () => requests.length + followUps + unrecorded;
  const checkCount = billedCountCheck();
  /**
   * The billed prompt count of a count request, once checked (see billedCountCheck): 0 (not read) after the counts
   * proved impossible, or `{ suspect }` when it does not move with the prompt as a fixed hidden prompt would (see
   * jumpOrImpossible).
   */
  const billed = (seq: number, request: TargetRequest, response: TargetResponse): number | { suspect: string } => {
    checkAnswerLength(response, request, seq);
    if (protocol.unreadable) return 0;
    const checked = checkCount(seq, request, response);
    if ('read' in checked || 'suspect' in checked) return 'read' in checked ? checked.read : checked;
    if ('absent' in checked)
      return countsAside(checked.absent, 'and no channel that reads the answers themselves is on', (c) =>
        c.usageAbsent(checked.absent),
      );
    return countsAside(checked.impossible, 'and no other channel is read', (c) => c.setUsageAside(checked.impossible));
  };
  /**
   * From now on the billed counts are not read (0 stands for each): the run goes on only when a channel reads the
   * answers themselves, and `tell` says why to the channels.
   */
  const countsAside = (reason: string, noOther: string, tell: (channels: ChannelRuntime) => void): number => {
    protocol.countsUnreadable(reason);
    if (!input.channels?.readsSeenTokens)
      throw new UnusableAnswerError(`${reason}, ${noOther} (try --stream or --logprobs where the API gives them)`);
    tell(input.channels);
    return 0;
  };

  const ask = async (request: TargetRequest, role: RequestRole): Promise<TargetResponse> => {
    input.onStep?.({ kind: 'request', role, request, limit: limit(), countsMoved: countsMoved() });
    const response = await target.send(request);
    promptTokens += billedPromptTokens([response.usage?.promptTokens]);
    input.onStep?.({ kind: 'answer', role, request, response });
    return response;
  };

  /**
   * The first request asks for every channel tried; a server that refuses a field it does not take (HTTP 400/422)
   * is asked again without logprobs, then without streaming. Its answer says what the target gives.
   */
  const firstAnswer = async (request: TargetRequest): Promise<TargetResponse> => {
    const channels = input.channels;
    let asked = request;
    for (;;) {
      try {
        const response = await ask(asked, 'count');
        if (channels) {
          channels.discover(response);
          if (channels.discovery) input.onStep?.({ kind: 'channels', discovery: channels.discovery });
        }
        return response;
      } catch (error) {
        const refused = refusedField(error, asked);
        // a refused request is paid for like any other: asking again must still fit the budget
        if (!channels?.discovering || !refused || spent() + 1 >= budget.maxQueries) throw error;
        channels.dropAsk(refused.channel);
        asked = { ...asked, [refused.field]: undefined };
        followUps++;
      }
    }
  };

  const send = async (pack: number[], stratum: PackLabel, tested?: string, fresh?: boolean) => {
    const probes = pack.map((p) => index.probes[p]);
    const request: TargetRequest = {
      messages: [{ role: 'user' as const, content: frameText(probes.map((p) => p.text)) }],
      maxOutputTokens: 1,
      ...input.channels?.requestFields(requests.length + 1),
      ...(fresh && { fresh: true, recount: true }),
    };
    const response = requests.length === 0 ? await firstAnswer(request) : await ask(request, 'count');
    const checked = billed(requests.length + 1, request, response);
    let count: number;
    if (typeof checked === 'number') count = checked;
    else {
      unrecorded = 1;
      const read = await jumpOrImpossible(checked.suspect, response);
      unrecorded = 0;
      if (typeof read !== 'number') return read;
      count = read;
    }
    const record: RequestRecord = {
      seq: requests.length + 1,
      probes: probes.map((p) => p.id),
      promptTokens: count,
      stratum,
      ...(tested ? { tested } : {}),
    };
    for (const p of pack) used.add(p);
    await protocol.countAnswer(record, request, response);
    const asked = input.channels?.followUps(record.seq, request) ?? [];
    if (asked.length) input.onStep?.({ kind: 'follow-ups', of: record.seq, requests: asked });
    for (const followUp of asked) {
      // one request of the budget is always kept for the counts
      if (spent() >= limit() - 1) break;
      const answer = await ask(followUp, 'follow-up');
      followUps++;
      checkAnswerLength(answer, followUp, record.seq);
      await protocol.followUpAnswer(followUp, answer);
    }
    return undefined;
  };
  /** Whether identical requests were seen billed differently (the bare frame asked again). */
  const countsMoved = () => repeats.moves.some((m) => m !== 0);
  /**
   * The checks made of a change (or an unsure match) seen only through deviations small enough for a hidden part
   * that changes per request: paid from the limit under noise, they take no count request's place.
   */
  let smallChecks = 0;
  /** The requests the run may send once identical requests were billed differently. */
  const noiseLimit = () => requestLimit(budget, true);
  /** The requests the run may send: more once identical requests were billed differently, or a small change checked. */
  const limit = () => (countsMoved() ? noiseLimit() : Math.min(noiseLimit(), budget.maxQueries + smallChecks));
  /**
   * A count that does not move with the prompt as a fixed hidden prompt would (a longer request billed fewer
   * tokens than the frame, or far more than its added text): impossible on a target that bills identical requests
   * alike, but only a jump of the hidden part (a retrieved memory) on one whose counts are measured to vary. Until
   * they are, the frame is asked again to tell which (unless the answers' own tokens are read, which then lead).
   * Returns the count to read (0 once the counts are set aside), or the run's end.
   */
  const jumpOrImpossible = async (problem: string, response: TargetResponse): Promise<number | IdentifyResult> => {
    // asked even where the answers' own tokens are read: counts are called impossible only once identical
    // requests were billed alike
    const countsKnown = repeats.made >= 2 || spent() >= limit();
    if (!countsMoved() && !countsKnown && !protocol.unreadable) {
      const end = await repeatFrame(await protocol.counted());
      if (end) return end;
    }
    if (protocol.unreadable) return 0;
    if (countsMoved()) return response.usage!.promptTokens;
    const unreadable = unreadableUsage(problem);
    return countsAside(unreadable, 'and no other channel is read', (c) => c.setUsageAside(unreadable));
  };
  let stop: IdentifyResult['stop'] = 'confident';
  let post: Posterior;
  let count: Posterior;
  let fusion: ChannelFusion | undefined;
  let repeated = false;
  /** Whether a change the run would have ended on was checked once more (see finalCheck). */
  let finalChecked = false;
  /** Repeats of the bare frame made to measure the counts' spread, and what they cost. */
  const repeats = {
    made: 0,
    tokens: 0,
    spread: 0,
    moves: [] as number[],
    /** Count requests (seq) asked again to check their stray, and those billed alike. */
    checked: [] as number[],
    confirmed: [] as number[],
  };
  let noiseEnd: string | undefined;
  const noise = (): CountNoise | undefined =>
    repeats.spread || noiseEnd
      ? {
          spread: repeats.spread,
          repeats: repeats.made,
          ...(repeats.checked.length && { packChecks: repeats.checked.length }),
          repeatTokens: repeats.tokens,
          ...(noiseEnd && { reason: noiseEnd }),
        }
      : undefined;
  /**
   * Why a derived or unknown verdict cannot stand through the counts' noise (see derivedHeldBack, unknownHeldBack);
   * counts set aside leave it to the channels.
   */
  // read on every pass of the loop, and a pass over every class and probe: once per class and spread
  const cores = new Map<string, CoreKind | undefined>();
  const coreOfClass = (reference: string) => {
    const key = `${reference} ${repeats.spread}`;
    if (!cores.has(key)) cores.set(key, coreOf(groups, reference, index, repeats.spread));
    return cores.get(key);
  };
  const heldBackBy = (scored: Posterior, verdict: Verdict): string | undefined =>
    protocol.unreadable
      ? undefined
      : (derivedHeldBack(scored, verdict, requests, repeats, coreOfClass) ??
        unknownHeldBack(scored, verdict, repeats, requests) ??
        matchStrays(scored, verdict, repeats));
  /** The family a match has not yet been set apart from through the counts' noise (see unseparatedRival). */
  const unseparatedBy = (scored: Posterior, verdict: Verdict | undefined) =>
    verdict?.status === 'match' && !protocol.unreadable
      ? unseparatedRival(scored, requests, index, repeats.spread)
      : undefined;
  const result = (verdict: Verdict): IdentifyResult => ({
    verdict: annotate(protocol.unreadable ? verdict : withRelatives(verdict, count, requests, index), fusion),
    posterior: post,
    requests,
    queries: spent(),
    promptTokens,
    stop,
    channels: fusion?.summary,
    engine,
    ...(noise() && { noise: noise() }),
  });
  /** Whether a repeat of the bare frame fits what is left of the budget, under a request cap. */
  const frameFits = (requestCap: number) =>
    spent() < requestCap && promptTokens + (requests[0]?.promptTokens ?? 0) <= budget.maxPromptTokens;
  /** Whether count request `k` can still be asked again to check its stray: not yet checked, and room for it. */
  const strayAffordable = (k: number) =>
    !repeats.checked.includes(requests[k].seq) &&
    spent() < noiseLimit() &&
    promptTokens + requests[k].promptTokens <= budget.maxPromptTokens;
  let jumpChecked = false;
  /**
   * Whether a move past the ceiling can still be checked for a jump: once a run, with the frame asked again fewer
   * than SPREAD_REPEATS times and room for it.
   */
  const jumpCheckable = () => !jumpChecked && repeats.made < SPREAD_REPEATS && frameFits(limit());
  /**
   * The bare frame asked again, once: an honest server bills identical requests alike, so counts that
   * differ are noise (or a hidden prompt that changes) and cannot name a tokenizer. Returns the run's end
   * when they differ and nothing else is read.
   */
  const repeatFrame = async (count: Posterior): Promise<IdentifyResult | undefined> => {
    repeated = true;
    // the first request again, byte for byte, past any cached answer; a check, not evidence, so kept out of the counts scored
    const request: TargetRequest = {
      messages: [{ role: 'user', content: frameText([]) }],
      maxOutputTokens: 1,
      ...input.channels?.requestFields(1),
      fresh: true,
    };
    const answer = await ask(request, 'repeat-frame');
    followUps++;
    checkAnswerLength(answer, request, requests.length + followUps);
    const again = answer.usage?.promptTokens ?? Number.NaN;
    repeats.made++;
    if (Number.isSafeInteger(again) && again >= 0) repeats.tokens += again;
    return identicalBilled(requests[0].promptTokens, again, count);
  };
  /**
   * A count request's probes asked again, in reverse order and past any cached answer, to check its stray: billed
   * alike, the stray is confirmed; billed differently, the counts move between identical requests. A check, not
   * evidence, so kept out of the counts scored. Returns the run's end when they move past the ceiling.
   */
  const repeatStray = async (
    record: RequestRecord,
    count: Posterior,
    /**
     * `reversed` (a small change's check) is past a cache in front of the target too; `same` (a claim's check) is
     * byte for byte the request asked, since a tokenizer outside the index may join the probes otherwise at their
     * seams once they are reordered, and a cached answer there only leaves the claim as it stood.
     */
    order: 'reversed' | 'same' = 'reversed',
  ): Promise<IdentifyResult | undefined> => {
    repeats.checked.push(record.seq);
    const position = probePositions(index);
    const texts = record.probes.map((id) => index.probes[position.get(id)!].text);
    const request: TargetRequest = {
      messages: [{ role: 'user', content: frameText(order === 'reversed' ? [...texts].reverse() : texts) }],
      maxOutputTokens: 1,
      ...input.channels?.requestFields(1),
      fresh: true,
      repeatOf: record.seq,
    };
    const answer = await ask(request, 'repeat-stray');
    followUps++;
    checkAnswerLength(answer, request, requests.length + followUps);
    const again = answer.usage?.promptTokens ?? Number.NaN;
    if (Number.isSafeInteger(again) && again >= 0) repeats.tokens += again;
    const over = overgrownRecheck(requests[0].promptTokens, request, again, requests.length + followUps);
    if (over) {
      const unreadable = unreadableUsage(over);
      countsAside(unreadable, 'and no other channel is read', (c) => c.setUsageAside(unreadable));
      return undefined;
    }
    if (again === record.promptTokens) {
      repeats.confirmed.push(record.seq);
      return undefined;
    }
    repeated = true;
    return identicalBilled(record.promptTokens, again, count, `request ${record.seq}'s probes`);
  };
  /**
   * Identical requests billed `first` and then `again` (the bare frame, or a pack asked again): their move is
   * measured, and counts that differ are read as noise within the ceiling, set aside past it. Returns the run's end
   * when they differ past it and nothing else is read.
   */
  const identicalBilled = async (
    first: number,
    again: unknown,
    count: Posterior,
    request?: string,
  ): Promise<IdentifyResult | undefined> => {
    if (Number.isSafeInteger(again)) repeats.moves.push((again as number) - first);
    const unstable = unstableFrame(first, again, repeats.moves, request);
    if (!unstable) {
      // billed alike after counts that moved: one more move, of none, which the scoring reads as a rescore does
      if (repeats.spread && !protocol.unreadable && !input.channels?.readsSeenTokens) {
        const spread = frameSpread(repeats.moves);
        // a move past the ceiling that the jump check could not read as a jump leaves the counts set aside
        if (spread > NOISE_CEILING) return unstableEnd(unstableAfterAlike(first, repeats.moves, request)!, count);
        repeats.spread = spread;
        protocol.countsVary(repeats.moves);
      }
      return undefined;
    }
    // a hidden part that changes per request moves every count alike: within the ceiling it is scored as noise
    const { spread } = unstable;
    if (!input.channels?.readsSeenTokens && spread <= NOISE_CEILING) {
      repeats.spread = spread;
      protocol.countsVary(repeats.moves);
      return undefined;
    }
    // one move past the ceiling may be a jump of the hidden part (a memory retrieved for one request): the frame is
    // asked once more before the counts are set aside, and a count back within reach of the first reads it as one
    if (!input.channels?.readsSeenTokens && Number.isFinite(spread) && jumpCheckable()) {
      jumpChecked = true;
      repeats.spread = spread;
      protocol.countsVary(repeats.moves);
      return repeatFrame(count);
    }
    return unstableEnd(unstable, count);
  };
  /** The counts set aside as unstable: the run's end, unless the answers' own tokens are read, which then lead. */
  const unstableEnd = (
    unstable: { reason: string; spread: number; named: number },
    count: Posterior,
  ): IdentifyResult | undefined => {
    const { spread, reason: unreadable } = unstable;
    if (Number.isFinite(spread)) {
      // counts set aside report the spread their reason names, not the model's reading of a jump as a small spread
      repeats.spread = unstable.named;
      noiseEnd = unreadable;
    }
    protocol.countsUnreadable(unreadable);
    if (!input.channels?.readsSeenTokens)
      return {
        verdict: unstableVerdict(),
        posterior: count,
        requests,
        queries: spent(),
        promptTokens,
        stop: 'usage-count-unstable',
        unstable: unreadable,
        engine,
        ...(noise() && { noise: noise() }),
      };
    input.channels.setUsageAside(unreadable, USAGE_COUNT_UNSTABLE);
    return undefined;
  };
  if (budget.maxQueries >= 1) {
    const end = await send([], 'frame');
    if (end) return end;
  }
  for (;;) {
    const scored = await protocol.posterior();
    count = scored.count;
    post = scored.fused;
    fusion = scored.fusion;
    // whether the tokens seen in the answers agree with what the counts say (another answer settles a dispute)
    const settled = !fusion?.consistency.disputed;
    // A change seen through small deviations, with equal repeats, is checked by asking its largest stray again
    // and the frame a second time: a hidden part that moves a token or two repeats itself often enough. So is a
    // match that leads without being sure: its misses are read as seam noise, which such a hidden part resembles.
    // (asked as soon as the counts lean that way: a change is seen only once it is told from the noise; while a
    // tokenizer outside the index explains them better, no change is near and the request goes to the counts)
    const top = rankedGroups(post)[0];
    const sure = decide(post, false);
    const leaning =
      top && (top.derived > top.match || !sure) && top.match + top.derived > post.unknown
        ? count.groups.find((g) => g.group === top.group)
        : undefined;
    // the class whose counts lie closest, of any family: where it misses by a few tokens only, it unchanged behind a
    // hidden part that moves is as good an account as the change the leader claims
    const nearest = leaning
      ? count.groups.reduce((a, b) => (largestDeviation(b) < largestDeviation(a) ? b : a), leaning)
      : undefined;
    const smallChange =
      nearest !== undefined &&
      settled &&
      repeats.made >= 1 &&
      !repeats.spread &&
      !protocol.unreadable &&
      largestDeviation(nearest) <= SMALL_DEVIATION;
    // Counts no hypothesis explains to the token (noise, a hidden prompt that changes, or a changed tokenizer) are
    // checked by repeating the frame as soon as they show it: the move between identical requests, when there is
    // one, is how far every later count is read as noise.
    const frameCost = requests[0]?.promptTokens ?? 0;
    const checkWanted = !repeated && !protocol.unreadable && requests.length >= 2 && noneExplains(count);
    const frameAffordable = frameFits(limit());
    const checkDue = checkWanted && frameAffordable;
    // twins no request could part through the noise are named together now, not after the whole budget
    const twins = repeats.spread ? decide(post, true) : undefined;
    const verdict = sure ?? (twins && twinsBeyondReach(twins, index, used, repeats.spread) ? twins : undefined);
    // A class is named, as matched or as changed, only once its vocabulary's edges have been checked, and
    // matched only once its own were: an edge check planned for another leader can land on its prediction by chance.
    const edgeChecked = edgeChecksOfLeader(post, requests).length > 0;
    // Under a measured spread, a change is claimed only where an edge check strays clear of it.
    // Nor, with fewer than two repeats, where it rests on deviations small enough for a hidden part that changes.
    const heldBack = verdict !== undefined && heldBackBy(count, verdict) !== undefined;
    const unchecked = checkWanted && !checkDue && !input.channels?.readsSeenTokens;
    // Under a measured spread, a match stands only once it was set apart from the next family where a change misses.
    const rival = unseparatedBy(count, verdict);
    // A change waits for its class's core, where it has one, however little the counts leave a tokenizer outside the
    // index: one that counts near the class elsewhere strays there, a copy fits it. (Gemma 2 was read as a changed
    // o200k from English words it counts alike and o200k's own edge check, 3.2% left to `unknown`; Llama 3 with its
    // class left out as a changed DeepSeek V3 at 0.994, 0.4% left.) A change seen only through edge checks planned for
    // another family waits for its own edge check where it has no core: such a check strays from any class it was not
    // built for.
    const foreignEdgesOnly = verdict?.status === 'derived' && !ownFamilyEdge(post, requests);
    const withCore = verdict?.status === 'derived' && coreOfClass(verdict.reference!) !== undefined;
    const coreWanted = withCore && coreCheckDue(post, requests, edgeChecked);
    const ownEdgeWanted = foreignEdgesOnly && !withCore;
    const concluding =
      verdict &&
      (verdict.status === 'unknown' || edgeChecked) &&
      settled &&
      !heldBack &&
      !unchecked &&
      !rival &&
      !coreWanted &&
      !ownEdgeWanted &&
      !(verdict.status === 'derived' && ownCoreStrayed(verdict, count, requests, repeats));
    // the frame asked a second time first (it costs the least, and a move there ends the question), then the request
    // that strayed most asked again: it tells a change from a hidden part that rarely moves
    const secondCheck = smallChange && repeats.made === 1 && frameFits(noiseLimit());
    if (secondCheck) smallChecks++;
    const stray = smallChange && nearest ? largestStray(nearest, requests) : -1;
    // (after the edge check where one is due: its stray is the one a change most likely shows)
    const strayCheck =
      !secondCheck && stray >= 0 && (edgeChecked || !edgeCheckDue(post, requests)) && strayAffordable(stray);
    if (strayCheck) {
      smallChecks++;
      const end = await repeatStray(requests[stray], count);
      if (end) return end;
      continue;
    }
    // An unknown (sure, or where the run would end), once identical requests were billed differently, waits for the
    // frame's repeats to show how far the hidden part moves: misses of every candidate by hundreds of tokens may be
    // that alone.
    const unknownCheck =
      (verdict ?? decide(post, true))?.status === 'unknown' &&
      countsMoved() &&
      repeats.made < UNKNOWN_REPEATS &&
      !protocol.unreadable &&
      frameAffordable;
    // A match whose counts stray past the moves the frame's repeats showed waits for the frame asked again, as an
    // unknown does: one or two repeats often show less than the hidden part moves.
    // (for a match, the only rule that holds it back is matchStrays)
    const matchCheck = verdict?.status === 'match' && heldBack && repeats.made < UNKNOWN_REPEATS && frameAffordable;
    // While nothing is sure through counts that move, the frame's repeats come first: every reading of them (a
    // change, a tokenizer outside the index, a near relative) is judged against how far those moves reach.
    const spreadCheck = !sure && !protocol.unreadable && frameAffordable && spreadUnmeasured(repeats);
    if (checkDue || secondCheck || unknownCheck || matchCheck || spreadCheck) {
      const end = await repeatFrame(count);
      if (end) return end;
      continue;
    }
    // A change or an unknown claimed from counts billed alike waits for the request that strayed most (from the class
    // named, or for an unknown from the nearest class) asked again: a hidden part that now and then carries a
    // retrieved memory jumps on a pack or two, reads as a changed vocabulary where it lands on an edge check and as a
    // tokenizer outside the index where it lands elsewhere, while the frame asked again most often comes back alike.
    // A jump seldom comes twice; a changed or unindexed tokenizer bills the check alike. (Paid from the limit under
    // noise, as a small change's checks are.)
    const ending = concluding ? verdict : spent() >= limit() ? decide(post, true) : undefined;
    const judged =
      ending && !countsMoved() && !protocol.unreadable && count.groups.length
        ? ending.status === 'unknown'
          ? count.groups.reduce((a, b) => (largestDeviation(b) < largestDeviation(a) ? b : a))
          : ending.status === 'derived'
            ? count.groups.find((g) => g.group.references.includes(ending.reference!))
            : undefined
        : undefined;
    const claimStray = judged ? largestStray(judged, requests) : -1;
    if (claimStray >= 0 && strayAffordable(claimStray)) {
      smallChecks++;
      const end = await repeatStray(requests[claimStray], count, 'same');
      if (end) return end;
      continue;
    }
    if (concluding) return result(verdict);
    // A change the run would end on, its family's edges and core never asked, is checked once more first (paid from
    // the limit under noise, as a small change's checks are): unchecked, it would name nothing (below). So is a run
    // that would end undecided while a changed copy of the leader is what a tokenizer outside the index is weighed
    // against: a copy counts the leader's core exactly, and a tokenizer outside the index strays there.
    let finalCheck = false;
    let undecided = false;
    if (spent() >= limit()) {
      const ending = decide(post, true)?.status;
      undecided =
        ending === 'inconclusive' &&
        coreCheckDue(post, requests, true) &&
        coreOfClass(rankedGroups(post)[0].group.references[0]) !== undefined;
      finalCheck =
        !finalChecked &&
        !protocol.unreadable &&
        ((ending === 'derived' && !changeChecked(post, requests)) || undecided) &&
        spent() < noiseLimit();
      if (!finalCheck) {
        stop = 'max-queries';
        break;
      }
      finalChecked = true;
      smallChecks++;
    }
    // the prompt tokens a pack may cost, with room kept for one more bare frame
    const room = budget.maxPromptTokens - promptTokens - frameCost;
    // under a measured spread a second edge check, wanted when the first strayed a token or two, shows nothing new
    const edgeDue = (edgeCheckDue(post, requests) || ownEdgeWanted) && !(repeats.spread && edgeChecked);
    // ...but one that strayed is asked again: a change strays alike twice, the hidden part's jump does not
    const again =
      repeats.spread && !protocol.unreadable
        ? planEdgeRepeat(count, requests, repeats.moves, groups, index, repeats.checked)
        : undefined;
    // once the leader is seen changed, its core tells a changed copy of it from a tokenizer outside the index
    const coreDue = !again && !edgeDue && !protocol.unreadable && coreCheckDue(post, requests, edgeChecked);
    const changed = finalCheck ? rankedGroups(post)[0].group.references[0] : undefined;
    // an undecided end is asked the leader's core only: an edge check fits a tokenizer outside the index as well
    const check = changed
      ? ((coreOfClass(changed) ? planCoreCheck(post, groups, index, used, rng, repeats.spread) : undefined) ??
        (undecided ? undefined : planEdgeCheck(post, groups, index, used, rng, repeats.spread)))
      : undefined;
    // no check left to ask: the request limit ends the run, with no other request past it
    if (finalCheck && !check) {
      stop = 'max-queries';
      break;
    }
    const next =
      check ??
      again ??
      (edgeDue
        ? planEdgeCheck(post, groups, index, used, rng, repeats.spread)
        : ((coreDue ? planCoreCheck(post, groups, index, used, rng, repeats.spread) : undefined) ??
          (rival && edgeChecked
            ? planSeparation(count, rival, groups, index, used, rng, requests, repeats.spread)
            : undefined) ??
          planNext(post, groups, index, used, rng, requests, repeats.spread, room)));
    if (!next || next.cost > room) {
      stop = next ? 'max-prompt-tokens' : 'no-informative-request';
      break;
    }
    const end = await send(next.pack, next.stratum, next.tested, next.fresh);
    if (end) return end;
  }
  let final = decide(post, true)!;
  if (!protocol.unreadable) final = withoutUncheckedChange(final, post, requests, repeats);
  const held = protocol.unreadable ? undefined : noiseHeldBack(count, final, requests, index, repeats);
  if (held) {
    noiseEnd = held;
    final = decide({ groups: [], unknown: 0 }, true)!;
  } else if (final.status === 'inconclusive' && repeats.spread && !noiseEnd)
    noiseEnd = inconclusiveNoiseReason(count, requests, repeats);
  // counts no hypothesis explains, never checked for stability (the budget ran out first), name nothing;
  // the loop only leaves right after scoring, so `count` is the posterior of every count request
  const unchecked = !repeated && !protocol.unreadable && requests.length >= 2 && noneExplains(count);
  if (unchecked && final.status !== 'inconclusive' && !input.channels?.readsSeenTokens)
    final = decide({ groups: [], unknown: 0 }, true)!;
  return result(final);
}

/** The field a request asked for that an HTTP 400/422 answer may have refused, tried in this order. */
function refusedField(
  error: unknown,
  request: TargetRequest,
): { field: 'wantLogprobs' | 'wantChunks'; channel: 'logprobs' | 'stream' } | undefined {
  const status = (error as { status?: unknown }).status;
  if (status !== 400 && status !== 422) return undefined;
  if (request.wantLogprobs) return { field: 'wantLogprobs', channel: 'logprobs' };
  if (request.wantChunks) return { field: 'wantChunks', channel: 'stream' };
  return undefined;
}

/** No hypothesis predicts every count to the token: noise, a hidden prompt that changes, or a changed tokenizer. */
function noneExplains(count: Posterior): boolean {
  return !count.groups.some((g) => g.deviations.every((d) => d === 0));
}
