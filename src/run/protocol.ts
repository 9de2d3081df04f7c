import { indexGroups } from '../planning/index-groups.js';
import { alignedPosterior } from '../scoring/aligned-posterior.js';
import { chooseEngine, type Engine, scorePosterior } from '../scoring/batch/engine.js';
import { PLANNING_TOLERANCE, type PrunedPosterior } from '../scoring/batch/prefilter.js';
import type { ChannelDiscovery, ChannelFusion, ChannelRuntime } from '../scoring/channels/runtime.js';
import type { RequestRecord } from '../scoring/identify.js';
import { type Posterior, posterior, priorPosterior } from '../scoring/posterior.js';
import { requestSignature } from '../scoring/request-signature.js';
import type { CountIndex } from '../signatures/count-index.js';
import type { TargetRequest, TargetResponse } from '../targets/target.js';

/** Why a request was sent: for the counts, as a channel's follow-up, or as the bare frame repeated to check them. */
export type RequestRole = 'count' | 'follow-up' | 'repeat-frame' | 'repeat-stray';

/**
 * One step of a run: a request sent (a count request, or a follow-up of one), its answer, the observation
 * a count request made, the follow-ups the channels asked for, and the posterior the run scored after them.
 */
export type RunStep =
  /** `limit`: the requests the run may send as it asks this one (raised under noise); `countsMoved`: whether identical requests were billed differently by then. */
  | { kind: 'request'; role: RequestRole; request: TargetRequest; limit: number; countsMoved: boolean }
  | { kind: 'answer'; role: RequestRole; request: TargetRequest; response: TargetResponse }
  | { kind: 'observation'; record: RequestRecord }
  | { kind: 'follow-ups'; of: number; requests: readonly TargetRequest[] }
  /** After the first answer: what the target gives and the channels the run reads. */
  | { kind: 'channels'; discovery: ChannelDiscovery }
  | { kind: 'posterior'; count: Posterior; fused: Posterior; requests: readonly RequestRecord[] };

export interface ProtocolInput {
  index: CountIndex;
  /** Answer channels (logprobs, stream, …) fused with the count posterior; absent means counts alone. */
  channels?: ChannelRuntime;
  /** How the counts are scored; by the index's size when absent (see chooseEngine). */
  engine?: Engine;
  onStep?: (step: RunStep) => void;
}

/**
 * The order in which a run reads its answers, kept in one place for a live run and a replayed one: each
 * count answer is recorded and shown to the channels with the count posterior up to it, then the answers
 * to its follow-ups, each with the same posterior; the posterior the run decides on fuses the counts with
 * the channels.
 */
export function runProtocol(input: ProtocolInput) {
  const { index, channels, onStep } = input;
  const groups = indexGroups(index);
  const requests: RequestRecord[] = [];
  const engine = chooseEngine(groups.length, input.engine);
  /** Set once the billed counts proved impossible or unstable: they are no longer read. */
  let unreadable: string | undefined;
  /** How far identical requests' counts moved between them, once a repeat showed they do; empty before. */
  let moves: number[] = [];

  const counted = async (): Promise<Posterior> => {
    const signature = requestSignature(requests, index);
    if (unreadable) return priorPosterior(signature, groups);
    // the two-stage path's bounds assume noise-free counts
    if (moves.length) return posterior({ ...signature, moves }, groups);
    if (engine === 'exact') return posterior(signature, groups);
    return alignedPosterior(
      scorePosterior(signature, groups, engine, PLANNING_TOLERANCE) as PrunedPosterior,
      signature,
      groups,
    );
  };

  return {
    groups,
    engine,
    /** The count requests answered so far, in order. */
    requests,
    get unreadable() {
      return unreadable;
    },
    countsUnreadable(reason: string) {
      unreadable = reason;
    },
    /** From now on the counts are scored as moving between identical requests, as far as these moves say. */
    countsVary(measured: readonly number[]) {
      moves = [...measured];
    },
    /** The posterior of the billed counts so far, by the run's engine. */
    counted,
    /** A count request's answer, with the observation it made. */
    async countAnswer(record: RequestRecord, request: TargetRequest, response: TargetResponse): Promise<void> {
      requests.push(record);
      await channels?.observe(record.seq, request, response, groups, await counted());
      onStep?.({ kind: 'observation', record });
    },
    /** The answer to a follow-up a channel asked for. */
    async followUpAnswer(request: TargetRequest, response: TargetResponse): Promise<void> {
      await channels?.observeFollowUp(request, response, await counted());
    },
    /** The posterior the run decides on: the counts', fused with the channels' when it reads any. */
    async posterior(): Promise<{ count: Posterior; fused: Posterior; fusion?: ChannelFusion }> {
      const count = await counted();
      const fusion = channels?.fuse(count);
      const fused = fusion?.posterior ?? count;
      onStep?.({ kind: 'posterior', count, fused, requests });
      return { count, fused, fusion };
    },
  };
}

export type RunProtocol = ReturnType<typeof runProtocol>;
