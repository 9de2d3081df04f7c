import type { ChannelRuntime } from '../scoring/channels/runtime.js';
import { signatureGroups } from '../scoring/hypotheses.js';
import { posterior, type Posterior } from '../scoring/posterior.js';
import type { CountIndex } from '../signatures/count-index.js';
import type { Observation } from '../signatures/observations.js';
import type { TargetRequest, TargetResponse } from '../targets/target.js';
import type { RecordEntry } from './run-record.js';
import { requestSignature } from '../scoring/request-signature.js';

/**
 * Feeds a run's recorded answers to the channels in the order the run read them, each with the count
 * posterior of the requests up to it, as identify did: the encoders loaded and the fused posterior
 * come out the same. Returns the fused posterior of every request.
 */
export async function replayChannels(
  entries: readonly RecordEntry[],
  observations: readonly Observation[],
  index: CountIndex,
  channels: ChannelRuntime,
): Promise<Posterior> {
  const requests = new Map<number, TargetRequest>();
  const responses = new Map<number, TargetResponse>();
  for (const entry of entries) {
    if (entry.kind === 'request' && !requests.has(entry.seq)) requests.set(entry.seq, entry.request);
    // a resumed run used the first answer recorded for each request
    if (entry.kind === 'response' && !responses.has(entry.seq)) responses.set(entry.seq, entry);
  }
  const groups = signatureGroups(index);
  const sorted = [...observations].sort((a, b) => a.seq - b.seq);
  // Sent requests in order: the count requests answer the observations one by one; follow-ups
  // (repeat requests the channels asked for) go back to the channels after the request they follow.
  let counted = 0;
  for (const seq of [...requests.keys()].sort((a, b) => a - b)) {
    const request = requests.get(seq)!;
    const response = responses.get(seq);
    if (request.followUpOf !== undefined) {
      if (response)
        await channels.observeFollowUp(
          request,
          response,
          posterior(requestSignature(sorted.slice(0, counted), index), groups),
        );
      continue;
    }
    if (!response) continue;
    const observation = sorted[counted];
    if (!observation) break;
    counted++;
    await channels.observe(
      observation.seq,
      request,
      response,
      groups,
      posterior(requestSignature(sorted.slice(0, counted), index), groups),
    );
  }
  return channels.fuse(posterior(requestSignature(sorted, index), groups));
}
