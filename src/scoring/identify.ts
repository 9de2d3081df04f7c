import { frameText } from '../probes/frame.js';
import { designPack, samplesFrom, separatingProbes, type DesignCandidate } from '../probes/design.js';
import { STRATA, stratumOf, type Probe, type Stratum } from '../probes/probe.js';
import type { CountIndex } from '../signatures/count-index.js';
import { packTotal, type Observation } from '../signatures/observations.js';
import type { Target, TargetRequest, TargetResponse } from '../targets/target.js';
import { recordedTarget, type Transcript } from '../targets/transcript.js';
import { seededRng, seedFromString, type Rng } from '../util/rng.js';
import type { ChannelRuntime, ChannelSummary } from './channels/runtime.js';
import { signatureGroups, type SignatureGroup } from './hypotheses.js';
import { EDGE_PACK_TOKENS, planEdgePack } from './edge-pack.js';
import { expectedInformationGain } from './information-gain.js';
import {
  checkAnswerLength,
  impossiblePromptCount,
  promptBytes,
  promptLength,
  staticPromptCounts,
  unreadableUsage,
  UnusableAnswerError,
  unstableCounts,
  unstableVerdict,
  USAGE_COUNT_UNSTABLE,
} from './usage-check.js';
import { posterior, priorPosterior, unknownWindow, type GroupScore, type Posterior } from './posterior.js';
import { decide, type Verdict } from './verdict.js';
import { requestSignature } from './request-signature.js';
import { alignedPosterior } from './aligned-posterior.js';
import { chooseEngine, scorePosterior, type Engine } from './batch/engine.js';
import { PLANNING_TOLERANCE, type PrunedPosterior } from './batch/prefilter.js';

export interface Budget {
  maxQueries: number;
  maxPromptTokens: number;
}

export const DEFAULT_BUDGET: Budget = { maxQueries: 6, maxPromptTokens: 30_000 };

/** Size of each probe pack, in the largest predicted count among the candidates. */
export const PACK_TOKENS = { min: 360, max: 600 };
const MARGIN = 4;
/** How far one hypothesis must lead before its vocabulary's edges are checked. */
const EDGE_CHECK_LEAD = 0.5;
/**
 * An edge check that strayed this little from the leader is checked again (seam noise and a small change
 * both explain it); one that strayed further already shows a change, and the requests left go to telling
 * the candidates apart.
 */
export const SECOND_EDGE_STRAY = 2;

export interface IdentifyInput {
  target: Target;
  index: CountIndex;
  budget: Budget;
  rng: Rng;
  /** Every request is appended before it is sent and every answer before it is used. */
  transcript?: Transcript;
  /** Called after each answer, e.g. to save progress. */
  onObservation?: (observation: Observation, stratum: PackLabel) => void;
  /** Answer channels (logprobs, stream, …) fused with the count posterior; absent means counts alone. */
  channels?: ChannelRuntime;
  /** How the counts are scored; by the index's size when absent (see chooseEngine). */
  engine?: Engine;
  /** Each step of the loop as it happens, for whatever watches the run (a progress line, a trace). */
  onStep?: (step: IdentifyStep) => void;
}

/**
 * One step of the loop: a request sent (a count request, or a follow-up of one), its answer, the observation
 * a count request made, the follow-ups the channels asked for, and the posterior the run scored after them.
 */
export type IdentifyStep =
  | { kind: 'request'; role: RequestRole; request: TargetRequest }
  | { kind: 'answer'; role: RequestRole; request: TargetRequest; response: TargetResponse }
  | { kind: 'observation'; record: RequestRecord }
  | { kind: 'follow-ups'; of: number; requests: readonly TargetRequest[] }
  | { kind: 'posterior'; count: Posterior; fused: Posterior; requests: readonly RequestRecord[] };

/** Why a request was sent: for the counts, as a channel's follow-up, or as the bare frame repeated to check them. */
export type RequestRole = 'count' | 'follow-up' | 'repeat-frame';

/** What a request held: the bare frame, one stratum's probes, or the check of the leader's vocabulary edges. */
export type PackLabel = Stratum | 'frame' | 'edge';

export interface RequestRecord extends Observation {
  stratum: PackLabel;
  /** For an edge check: the class it tested (its first reference), the one leading when it was planned. */
  tested?: string;
}

export interface IdentifyResult {
  verdict: Verdict;
  posterior: Posterior;
  requests: RequestRecord[];
  queries: number;
  promptTokens: number;
  /** Why the loop ended: a verdict reached, or which budget ran out. */
  stop: 'confident' | 'max-queries' | 'max-prompt-tokens' | 'no-informative-request' | 'usage-count-unstable';
  channels?: ChannelSummary;
  /** Which scoring path scored the counts. */
  engine?: Engine;
  /** Why the billed counts were found unstable, when the run stopped for it. */
  unstable?: string;
}

export interface PlannedRequest {
  stratum: Stratum | 'edge';
  pack: number[];
  gain: number;
  cost: number;
  tested?: string;
}

const groupsByIndex = new WeakMap<CountIndex, SignatureGroup[]>();

/**
 * The signature groups of an index, worked out once per index: a process identifying many targets
 * (bench, CI) pays for the grouping once, and the onnxruntime session, kept per group list, is reused.
 */
function indexGroups(index: CountIndex): SignatureGroup[] {
  let groups = groupsByIndex.get(index);
  if (!groups) {
    groups = signatureGroups(index);
    groupsByIndex.set(index, groups);
  }
  return groups;
}

/**
 * The identification loop: the bare frame first, then packs chosen against the current posterior,
 * until a verdict is confident or the budget would be exceeded.
 */
export async function identify(input: IdentifyInput): Promise<IdentifyResult> {
  const { index, budget, rng } = input;
  const target = input.transcript ? recordedTarget(input.target, input.transcript) : input.target;
  const groups = indexGroups(index);
  const requests: RequestRecord[] = [];
  const used = new Set<number>();
  let promptTokens = 0;
  let followUps = 0;
  /** Every request paid for: the count requests and the channels' follow-ups. */
  const spent = () => requests.length + followUps;
  /** Each count request's prompt length and billed count, to check the counts move with the prompt. */
  const lengths: { seq: number; chars: number; bytes: number; promptTokens: number }[] = [];
  /** Set once the billed counts proved impossible: they are no longer read. */
  let unreadable: string | undefined;

  /** The billed prompt count of a count request, once checked: 0 (not read) after the counts proved impossible. */
  const billed = (seq: number, request: TargetRequest, response: TargetResponse): number => {
    checkAnswerLength(response, request, seq);
    if (unreadable) return 0;
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
    unreadable = unreadableUsage(problem);
    if (!input.channels?.readsSeenTokens)
      throw new UnusableAnswerError(
        `${unreadable}, and no other channel is read (try --stream or --logprobs where the API gives them)`,
      );
    input.channels.setUsageAside(unreadable);
    return 0;
  };

  const ask = async (request: TargetRequest, role: RequestRole): Promise<TargetResponse> => {
    input.onStep?.({ kind: 'request', role, request });
    const response = await target.send(request);
    input.onStep?.({ kind: 'answer', role, request, response });
    return response;
  };

  const send = async (pack: number[], stratum: PackLabel, tested?: string) => {
    const probes = pack.map((p) => index.probes[p]);
    const request: TargetRequest = {
      messages: [{ role: 'user' as const, content: frameText(probes.map((p) => p.text)) }],
      maxOutputTokens: 1,
      ...input.channels?.requestFields(requests.length + 1),
    };
    const response = await ask(request, 'count');
    const count = billed(requests.length + 1, request, response);
    const record: RequestRecord = {
      seq: requests.length + 1,
      probes: probes.map((p) => p.id),
      promptTokens: count,
      stratum,
      ...(tested ? { tested } : {}),
    };
    requests.push(record);
    promptTokens += count;
    for (const p of pack) used.add(p);
    await input.channels?.observe(record.seq, request, response, groups, await counted());
    input.onObservation?.(record, stratum);
    input.onStep?.({ kind: 'observation', record });
    const asked = input.channels?.followUps(record.seq, request) ?? [];
    if (asked.length) input.onStep?.({ kind: 'follow-ups', of: record.seq, requests: asked });
    for (const followUp of asked) {
      // one request of the budget is always kept for the counts
      if (spent() >= budget.maxQueries - 1) break;
      const answer = await ask(followUp, 'follow-up');
      followUps++;
      checkAnswerLength(answer, followUp, record.seq);
      if (!unreadable && Number.isSafeInteger(answer.usage.promptTokens) && answer.usage.promptTokens >= 0)
        promptTokens += answer.usage.promptTokens;
      await input.channels!.observeFollowUp(followUp, answer, await counted());
    }
  };
  const engine = chooseEngine(1, groups.length, input.engine);
  const counted = async (): Promise<Posterior> => {
    const signature = requestSignature(requests, index);
    if (unreadable) return priorPosterior(signature, groups);
    if (engine === 'exact') return posterior(signature, groups);
    return alignedPosterior(
      (await scorePosterior(signature, groups, engine, PLANNING_TOLERANCE)) as PrunedPosterior,
      signature,
      groups,
    );
  };
  const annotate = (verdict: Verdict) => (input.channels ? input.channels.annotate(verdict) : verdict);

  let stop: IdentifyResult['stop'] = 'confident';
  let post: Posterior;
  let repeated = false;
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
    const again = answer.usage.promptTokens;
    if (Number.isSafeInteger(again) && again >= 0) promptTokens += again;
    unreadable = unstableCounts(requests[0].promptTokens, again);
    if (!unreadable) return undefined;
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
    const count = await counted();
    post = input.channels ? input.channels.fuse(count) : count;
    input.onStep?.({ kind: 'posterior', count, fused: post, requests });
    // Counts no hypothesis explains to the token (noise, or a changed tokenizer) are checked by repeating the
    // frame before they decide anything: when a verdict would be given, or when the budget has one request left.
    const frameCost = requests[0]?.promptTokens ?? 0;
    const checkDue =
      !repeated &&
      !unreadable &&
      requests.length >= 2 &&
      spent() < budget.maxQueries &&
      promptTokens + frameCost <= budget.maxPromptTokens &&
      !count.groups.some((g) => g.deviations.every((d) => d === 0));
    const verdict = decide(post, false);
    // A class is named, as matched or as changed, only once its vocabulary's edges have been checked, and
    // matched only once its own were: an edge check planned for another leader can land on its prediction by chance.
    const edgeChecked = edgeChecksOfLeader(post, requests).length > 0;
    // Nor while the tokens seen in the answers point away from what the counts say: another answer settles it.
    const settled = !input.channels?.disputed;
    const concluding = verdict && (verdict.status === 'unknown' || edgeChecked) && settled;
    // on the budget's last request, only when these counts would already give a verdict at the end
    const lastDecides = spent() === budget.maxQueries - 1 && decide(post, true)!.status !== 'inconclusive';
    if (checkDue && (concluding || lastDecides)) {
      const end = await repeatFrame(count);
      if (end) return end;
      continue;
    }
    if (concluding)
      return {
        verdict: annotate(verdict),
        posterior: post,
        requests,
        queries: spent(),
        promptTokens,
        stop,
        channels: input.channels?.summary(),
        engine,
      };
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
  // counts no hypothesis explains, never checked for stability (the budget ran out first), name nothing
  const unchecked =
    !repeated &&
    !unreadable &&
    requests.length >= 2 &&
    !(await counted()).groups.some((g) => g.deviations.every((d) => d === 0));
  if (unchecked && final.status !== 'inconclusive' && !input.channels?.readsSeenTokens)
    final = decide({ groups: [], unknown: 0 }, true)!;
  return {
    verdict: annotate(final),
    posterior: post,
    requests,
    queries: spent(),
    promptTokens,
    stop,
    channels: input.channels?.summary(),
    engine,
  };
}

/**
 * Once one hypothesis leads, one request checks it where a derived copy would differ, before a match is
 * called; a second one when the first strayed from the leader by a token or two (SECOND_EDGE_STRAY),
 * which seam noise and a small change both explain.
 */
export function edgeCheckDue(post: Posterior, sent: readonly RequestRecord[]): boolean {
  const leader = leading(post);
  if (sent.length < 2 || !leader || leader.match + leader.derived < EDGE_CHECK_LEAD) return false;
  const edges = edgeChecksOfLeader(post, sent);
  if (!edges.length) return true;
  const strayed = Math.abs(leader.deviations[edges[0]]);
  return edges.length < 2 && strayed > 0 && strayed <= SECOND_EDGE_STRAY;
}

/**
 * Which requests were edge checks of the current leader (a record that names no class counts for any). While
 * the leader leads as changed rather than as matched, any edge check counts: its change is already seen, and
 * the requests left go to telling the changed candidates apart.
 */
export function edgeChecksOfLeader(post: Posterior, sent: readonly RequestRecord[]): number[] {
  const leader = leading(post);
  const id = leader && leader.match >= leader.derived ? leader.group.references[0] : undefined;
  return sent.flatMap((r, k) =>
    r.stratum === 'edge' && (id === undefined || r.tested === undefined || r.tested === id) ? [k] : [],
  );
}

function planEdgeCheck(
  post: Posterior,
  groups: readonly SignatureGroup[],
  index: CountIndex,
  used: Set<number>,
  rng: Rng,
): PlannedRequest | undefined {
  const pack = planEdgePack({
    post,
    groups,
    index,
    used,
    rng,
    minTokens: EDGE_PACK_TOKENS.min,
    maxTokens: EDGE_PACK_TOKENS.max,
    margin: MARGIN,
  });
  if (!pack.length) return undefined;
  const predicted = groups.map((g) => packTotal(g.counts, pack));
  return { stratum: 'edge', pack, gain: 0, cost: Math.max(...predicted), tested: leading(post)?.group.references[0] };
}

/** The group holding the most mass, matched or derived (the first among equals), as the edge pack picks it. */
function leading(post: Posterior): GroupScore | undefined {
  const weights = post.groups.map((g) => g.match + g.derived);
  return post.groups[weights.indexOf(Math.max(...weights))];
}

const strataByPool = new WeakMap<readonly Probe[], { labels: string[]; byStratum: Map<Stratum, number[]> }>();

/** Each probe's category and the probes of each stratum in pool order, worked out once per pool. */
function probeStrata(probes: readonly Probe[]) {
  let strata = strataByPool.get(probes);
  if (!strata) {
    const byStratum = new Map<Stratum, number[]>(STRATA.map((stratum) => [stratum, []]));
    probes.forEach((probe, i) => byStratum.get(stratumOf(probe.category))!.push(i));
    strata = { labels: probes.map((probe) => probe.category), byStratum };
    strataByPool.set(probes, strata);
  }
  return strata;
}

/** How many ways to keep the references apart are designed per stratum for the first request; each run draws one. */
export const OPENINGS = 8;
const openings = new WeakMap<readonly SignatureGroup[], { weights: string; designed: Map<Stratum, number[][]> }>();

/**
 * Per stratum, the probes that keep the candidates apart in the first request after the frame. Every
 * identification starts from the same posterior (the bare frame tells no tokenizer from another), so a
 * process identifying many targets designs OPENINGS of them per stratum and index, each from its own seed,
 * and each run draws one per stratum: the stratum packs stay independent draws as when each run designed
 * its own, a run's requests depend only on its seed, and the greedy rounds (most of a request's planning)
 * are not repeated for every target. The probes added for coverage are drawn for each run as before.
 */
function openingSeparation(
  groups: readonly SignatureGroup[],
  candidates: readonly DesignCandidate[],
  byStratum: Map<Stratum, number[]>,
  rng: Rng,
): Map<Stratum, number[]> {
  const weights = candidates.map((c) => c.weight).join(',');
  let cache = openings.get(groups);
  if (cache?.weights !== weights) {
    cache = { weights, designed: new Map(STRATA.map((stratum) => [stratum, []])) };
    openings.set(groups, cache);
  }
  const drawn = new Map<Stratum, number[]>();
  for (const stratum of STRATA) {
    const draw = rng.int(0, OPENINGS - 1);
    // a stratum small enough to be weighed whole has one design whatever the seed
    const variant = samplesFrom(byStratum.get(stratum)!.length) ? draw : 0;
    const designed = cache.designed.get(stratum)!;
    designed[variant] ??= separatingProbes({
      candidates,
      allowed: byStratum.get(stratum)!,
      maxTokens: PACK_TOKENS.max,
      margin: MARGIN,
      rng: seededRng(seedFromString(`opening ${stratum} ${variant}`)),
    });
    drawn.set(stratum, designed[variant]);
  }
  return drawn;
}

export function planNext(
  post: Posterior,
  groups: readonly SignatureGroup[],
  index: CountIndex,
  used: Set<number>,
  rng: Rng,
  sent: readonly RequestRecord[],
): PlannedRequest | undefined {
  const weights = post.groups.map((s) => s.match + s.derived);
  const candidates = groups.map((group, i) => ({ counts: group.counts, weight: weights[i] }));
  const sentStrata = new Set(sent.map((r) => r.stratum));
  const { labels, byStratum } = probeStrata(index.probes);
  const priority = vocabularyEdge(groups, weights);
  const opening = used.size === 0 ? openingSeparation(groups, candidates, byStratum, rng) : undefined;
  let best: PlannedRequest | undefined;
  let bestScore = -Infinity;
  for (const stratum of STRATA) {
    const allowed = byStratum.get(stratum)!.filter((i) => !used.has(i));
    if (!allowed.length) continue;
    const pack = designPack({
      candidates,
      allowed,
      maxTokens: PACK_TOKENS.max,
      minTokens: PACK_TOKENS.min,
      margin: MARGIN,
      rng,
      labels,
      priority,
      separating: opening?.get(stratum),
    });
    if (!pack.length) continue;
    const predicted = groups.map((g) => packTotal(g.counts, pack));
    const { lo, hi } = unknownWindow(predicted);
    const gain = expectedInformationGain(
      predicted.map((p, i) => ({ predicted: p, weight: weights[i] })),
      post.unknown,
      lo,
      hi,
    );
    // A stratum not yet asked about is worth more than its gain alone says: a changed vocabulary
    // usually leaves some stratum untouched, and only a fresh stratum can show which.
    const score = gain * (sentStrata.has(stratum) ? 0.5 : 1);
    if (score > bestScore) {
      bestScore = score;
      best = { stratum, pack, gain, cost: Math.max(...predicted) };
    }
  }
  return best;
}

/**
 * How sharply each probe tests the leading hypothesis's own vocabulary: probes it counts as far fewer
 * tokens than the others (its long tokens, which removed merges break) or far more (text an added
 * vocabulary would shorten). Coverage prefers these, since a modified tokenizer differs there first.
 */
export function vocabularyEdge(groups: readonly SignatureGroup[], weights: readonly number[]): Float64Array {
  const leader = weights.indexOf(Math.max(...weights));
  const edge = new Float64Array(groups[0]?.counts.length ?? 0);
  if (leader < 0) return edge;
  const own = groups[leader].counts;
  for (let p = 0; p < edge.length; p++) {
    let spread = 0;
    for (const g of groups) spread += Math.abs(g.counts[p] - own[p]);
    edge[p] = Math.min(spread / Math.max(1, groups.length - 1), 4) / Math.sqrt(own[p]);
  }
  return edge;
}
