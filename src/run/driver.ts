import { frameText } from '../probes/frame.js';
import { edgeCheckDue, edgeChecksOfLeader, planEdgeCheck } from '../planning/edge-check.js';
import { planNext } from '../planning/planner.js';
import type { Engine } from '../scoring/batch/engine.js';
import { annotate, type ChannelFusion, type ChannelRuntime } from '../scoring/channels/runtime.js';
import type { Budget, IdentifyResult, PackLabel, RequestRecord } from '../scoring/identify.js';
import type { Posterior } from '../scoring/posterior.js';
import {
  checkAnswerLength,
  impossiblePromptCount,
  promptBytes,
  promptLength,
  staticPromptCounts,
  UnusableAnswerError,
  USAGE_COUNT_UNSTABLE,
  unreadableUsage,
  unstableCounts,
  unstableVerdict,
} from '../scoring/usage-check.js';
import { decide, type Verdict } from '../scoring/verdict.js';
import { withRelatives } from '../scoring/verdict-relatives.js';
import type { CountIndex } from '../signatures/count-index.js';
import type { Target, TargetRequest, TargetResponse } from '../targets/target.js';
import { recordedTarget, type Transcript } from '../targets/transcript.js';
import type { Rng } from '../util/rng.js';
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
  let promptTokens = 0;
  let followUps = 0;
  /** Every request paid for: the count requests and the channels' follow-ups. */
  const spent = () => requests.length + followUps;
  /** Each count request's prompt length and billed count, to check the counts move with the prompt. */
  const lengths: { seq: number; chars: number; bytes: number; promptTokens: number }[] = [];
  /** The billed prompt count of a count request, once checked: 0 (not read) after the counts proved impossible. */
  const billed = (seq: number, request: TargetRequest, response: TargetResponse): number => {
    checkAnswerLength(response, request, seq);
    if (protocol.unreadable) return 0;
    if (!response.usage) {
      const reason = `the target reported no token usage for request ${seq}`;
      return countsAside(reason, 'and no channel that reads the answers themselves is on', (c) =>
        c.usageAbsent(reason),
      );
    }
    const length = {
      seq,
      chars: promptLength(request),
      bytes: promptBytes(request),
      promptTokens: response.usage.promptTokens,
    };
    const problem = impossiblePromptCount(response.usage, request, seq) ?? staticPromptCounts([...lengths, length]);
    if (!problem) {
      lengths.push(length);
      return response.usage.promptTokens;
    }
    const unreadable = unreadableUsage(problem);
    return countsAside(unreadable, 'and no other channel is read', (c) => c.setUsageAside(unreadable));
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
    input.onStep?.({ kind: 'request', role, request });
    const response = await target.send(request);
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

  const send = async (pack: number[], stratum: PackLabel, tested?: string) => {
    const probes = pack.map((p) => index.probes[p]);
    const request: TargetRequest = {
      messages: [{ role: 'user' as const, content: frameText(probes.map((p) => p.text)) }],
      maxOutputTokens: 1,
      ...input.channels?.requestFields(requests.length + 1),
    };
    const response = requests.length === 0 ? await firstAnswer(request) : await ask(request, 'count');
    const count = billed(requests.length + 1, request, response);
    const record: RequestRecord = {
      seq: requests.length + 1,
      probes: probes.map((p) => p.id),
      promptTokens: count,
      stratum,
      ...(tested ? { tested } : {}),
    };
    promptTokens += count;
    for (const p of pack) used.add(p);
    await protocol.countAnswer(record, request, response);
    const asked = input.channels?.followUps(record.seq, request) ?? [];
    if (asked.length) input.onStep?.({ kind: 'follow-ups', of: record.seq, requests: asked });
    for (const followUp of asked) {
      // one request of the budget is always kept for the counts
      if (spent() >= budget.maxQueries - 1) break;
      const answer = await ask(followUp, 'follow-up');
      followUps++;
      checkAnswerLength(answer, followUp, record.seq);
      const paid = answer.usage?.promptTokens;
      if (!protocol.unreadable && paid !== undefined && Number.isSafeInteger(paid) && paid >= 0) promptTokens += paid;
      await protocol.followUpAnswer(followUp, answer);
    }
  };
  let stop: IdentifyResult['stop'] = 'confident';
  let post: Posterior;
  let count: Posterior;
  let fusion: ChannelFusion | undefined;
  let repeated = false;
  const result = (verdict: Verdict): IdentifyResult => ({
    verdict: annotate(protocol.unreadable ? verdict : withRelatives(verdict, count, requests), fusion),
    posterior: post,
    requests,
    queries: spent(),
    promptTokens,
    stop,
    channels: fusion?.summary,
    engine,
  });
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
    if (Number.isSafeInteger(again) && again >= 0) promptTokens += again;
    const unreadable = unstableCounts(requests[0].promptTokens, again);
    if (!unreadable) return undefined;
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
      };
    input.channels.setUsageAside(unreadable, USAGE_COUNT_UNSTABLE);
    return undefined;
  };
  if (budget.maxQueries >= 1) await send([], 'frame');
  for (;;) {
    const scored = await protocol.posterior();
    count = scored.count;
    post = scored.fused;
    fusion = scored.fusion;
    // Counts no hypothesis explains to the token (noise, or a changed tokenizer) are checked by repeating the
    // frame before they decide anything: when a verdict would be given, or when the budget has one request left.
    const frameCost = requests[0]?.promptTokens ?? 0;
    const checkDue =
      !repeated &&
      !protocol.unreadable &&
      requests.length >= 2 &&
      spent() < budget.maxQueries &&
      promptTokens + frameCost <= budget.maxPromptTokens &&
      noneExplains(count);
    const verdict = decide(post, false);
    // A class is named, as matched or as changed, only once its vocabulary's edges have been checked, and
    // matched only once its own were: an edge check planned for another leader can land on its prediction by chance.
    const edgeChecked = edgeChecksOfLeader(post, requests).length > 0;
    // Nor while the tokens seen in the answers point away from what the counts say: another answer settles it.
    const settled = !fusion?.consistency.disputed;
    const concluding = verdict && (verdict.status === 'unknown' || edgeChecked) && settled;
    // on the budget's last request, only when these counts would already give a verdict at the end
    const lastDecides = spent() === budget.maxQueries - 1 && decide(post, true)!.status !== 'inconclusive';
    // Counts that no class fits exactly can end only in derived or unknown, each after the check: with two
    // requests left it is made now, so the last one can still decide between them.
    const closing = spent() >= budget.maxQueries - 2;
    if (checkDue && (concluding || lastDecides || closing)) {
      const end = await repeatFrame(count);
      if (end) return end;
      continue;
    }
    if (concluding) return result(verdict);
    if (spent() >= budget.maxQueries) {
      stop = 'max-queries';
      break;
    }
    const next = edgeCheckDue(post, requests)
      ? planEdgeCheck(post, groups, index, used, rng)
      : planNext(post, groups, index, used, rng, requests);
    if (!next || promptTokens + frameCost + next.cost > budget.maxPromptTokens) {
      if (checkDue && decide(post, true)!.status !== 'inconclusive') {
        const end = await repeatFrame(count);
        if (end) return end;
        continue;
      }
      stop = next ? 'max-prompt-tokens' : 'no-informative-request';
      break;
    }
    await send(next.pack, next.stratum, next.tested);
  }
  let final = decide(post, true)!;
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
