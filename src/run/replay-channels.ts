import type { ChannelFusion, ChannelRuntime } from '../scoring/channels/runtime.js';
import type { PackLabel } from '../scoring/identify.js';
import type { Posterior } from '../scoring/posterior.js';
import type { CountIndex } from '../signatures/count-index.js';
import type { Observation } from '../signatures/observations.js';
import type { TargetResponse } from '../targets/target.js';
import { runProtocol } from './protocol.js';
import { recordedExchanges } from './recorded-exchanges.js';
import type { RecordEntry } from './run-record.js';

/**
 * Reads a run's recorded answers again through the run protocol, in the order they were sent: the count
 * answers with their observations, the follow-ups' answers after them; the frame check is not evidence, but
 * a frame check billed differently has the later counts read through the moves, as the run read them. The
 * encoders loaded and the fused posterior come out as the run's did. Returns the fusion.
 */
export async function replayChannels(
  entries: readonly RecordEntry[],
  observations: readonly (Observation & { stratum: string; tested?: string })[],
  index: CountIndex,
  channels: ChannelRuntime,
  /** After each step a live run scores (a count answer with its follow-ups, a frame check): requests sent, posterior. */
  onScored?: (sent: number, fused: Posterior) => void,
): Promise<ChannelFusion> {
  const byObservation = new Map(observations.map((o) => [o.seq, o]));
  // the count posteriors a rescore reports are exact, so the channels are shown the exact ones too
  const protocol = runProtocol({ index, channels, engine: 'exact' });
  const sent = recordedExchanges(entries);
  const scoredAfter = async (i: number) => {
    if (onScored && sent[i + 1]?.role.kind !== 'follow-up') onScored(i + 1, (await protocol.posterior()).fused);
  };
  const moves: number[] = [];
  // a frame check billed apart from the frame: from then on the run read the counts through the moves, unless it
  // read the answers' own tokens, which then led
  const varied = (response: TargetResponse) => {
    const first = observations[0]?.promptTokens;
    const again = response.usage?.promptTokens;
    if (first === undefined || again === undefined || !Number.isSafeInteger(again)) return;
    moves.push(again - first);
    if (moves.some((m) => m !== 0) && !channels.readsSeenTokens) protocol.countsVary(moves);
  };
  for (const [i, { request, response, role }] of sent.entries()) {
    if (!response) continue;
    if (role.kind === 'frame-check') {
      varied(response);
      await scoredAfter(i);
      continue;
    }
    if (role.kind === 'follow-up') {
      await protocol.followUpAnswer(request, response);
      await scoredAfter(i);
      continue;
    }
    const o = byObservation.get(role.observation);
    if (!o) break;
    const record = { seq: o.seq, probes: o.probes, promptTokens: o.promptTokens, stratum: o.stratum as PackLabel };
    await protocol.countAnswer(o.tested ? { ...record, tested: o.tested } : record, request, response);
    await scoredAfter(i);
  }
  // a runtime given always fuses
  return (await protocol.posterior()).fusion!;
}
