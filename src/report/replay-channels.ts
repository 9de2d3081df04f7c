import type { ChannelRuntime } from '../scoring/channels/runtime.js';
import { signatureGroups } from '../scoring/hypotheses.js';
import { posterior, type Posterior } from '../scoring/posterior.js';
import type { CountIndex } from '../signatures/count-index.js';
import { countSignature, type Observation } from '../signatures/observations.js';
import type { TargetRequest, TargetResponse } from '../targets/target.js';
import type { RecordEntry } from './run-record.js';

/**
 * Feeds a run's recorded answers to the channels in the order the run read them, each with the count
 * posterior of the requests up to it, as identify did: the encoders loaded and the fused posterior
 * come out the same. Returns the fused posterior of every request.
 */
export async function replayChannels(entries: readonly RecordEntry[], observations: readonly Observation[], index: CountIndex, channels: ChannelRuntime): Promise<Posterior> {
  const requests = new Map<number, TargetRequest>();
  const responses = new Map<number, TargetResponse>();
  for (const entry of entries) {
    if (entry.kind === 'request') requests.set(entry.seq, entry.request);
    // a resumed run used the first answer recorded for each request
    if (entry.kind === 'response' && !responses.has(entry.seq)) responses.set(entry.seq, entry);
  }
  const groups = signatureGroups(index);
  const sorted = [...observations].sort((a, b) => a.seq - b.seq);
  for (const [i, observation] of sorted.entries()) {
    const request = requests.get(observation.seq);
    const response = responses.get(observation.seq);
    if (!request || !response) continue;
    await channels.observe(observation.seq, request, response, groups, posterior(countSignature(sorted.slice(0, i + 1), index), groups));
  }
  return channels.fuse(posterior(countSignature(sorted, index), groups));
}
