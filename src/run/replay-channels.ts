import type { ChannelFusion, ChannelRuntime } from '../scoring/channels/runtime.js';
import type { PackLabel } from '../scoring/identify.js';
import type { Posterior } from '../scoring/posterior.js';
import type { CountIndex } from '../signatures/count-index.js';
import type { Observation } from '../signatures/observations.js';
import { isCount } from '../targets/http/reply-fields.js';
import type { TargetRequest, TargetResponse } from '../targets/target.js';
import { USAGE_COUNT_UNSTABLE, unreadableUsage } from '../scoring/usage-check.js';
import { billedCountCheck, overgrownRecheck, unstableFrame } from './billed-count-check.js';
import { runProtocol } from './protocol.js';
import { recordedExchanges } from './recorded-exchanges.js';
import type { RecordEntry } from './run-record.js';

/**
 * Reads a run's recorded answers again through the run protocol, in the order they were sent: the count
 * answers with their observations, the follow-ups' answers after them; the frame check is not evidence, but
 * a frame check billed differently has the later counts read through the moves, as the run read them. The
 * encoders loaded and the fused posterior come out as the run's did. Returns the fusion, and why the billed counts
 * were set aside when the run set them aside (they are then no evidence of their own, as in the live run).
 */
export async function replayChannels(
  entries: readonly RecordEntry[],
  observations: readonly (Observation & { stratum: string; tested?: string })[],
  index: CountIndex,
  channels: ChannelRuntime,
  /** After each step a live run scores (a count answer with its follow-ups, a frame check): requests sent, posterior. */
  onScored?: (sent: number, fused: Posterior) => void,
): Promise<ChannelFusion & { countsUnread?: string; countsUnstable?: string }> {
  const byObservation = new Map(observations.map((o) => [o.seq, o]));
  // the count posteriors a rescore reports are exact, so the channels are shown the exact ones too
  const protocol = runProtocol({ index, channels, engine: 'exact' });
  const sent = recordedExchanges(entries);
  const scoredAfter = async (i: number) => {
    if (onScored && sent[i + 1]?.role.kind !== 'follow-up') onScored(i + 1, (await protocol.posterior()).fused);
  };
  const moves: number[] = [];
  /** Why the counts were set aside as unstable, with the spread named, as the live run reports it. */
  let countsUnstable: string | undefined;
  const moveOf = (response: TargetResponse | undefined): number | undefined => {
    const first = observations[0]?.promptTokens;
    const again = response?.usage?.promptTokens;
    return first === undefined || !isCount(again) ? undefined : again - first;
  };
  // a frame check billed apart from the frame: from then on the run read the counts through the moves, unless it
  // read the answers' own tokens, which then led and the counts were set aside as unstable
  const frameCheck = (response: TargetResponse) => {
    const move = moveOf(response);
    if (protocol.unreadable || move === undefined) return;
    identicalBilled(observations[0].promptTokens, move + observations[0].promptTokens);
  };
  // a count request's probes asked again to check its stray: billed differently, one more move, as the live run read it
  const strayCheck = (of: number, request: TargetRequest, response: TargetResponse) => {
    const first = byObservation.get(of)?.promptTokens;
    const again = response.usage?.promptTokens;
    if (protocol.unreadable || first === undefined || !isCount(again)) return;
    // as the live run: a check billed past what any tokenizer bills for its bytes sets the counts aside
    const over = overgrownRecheck(observations[0].promptTokens, request, again, 'check');
    if (over) setAside(unreadableUsage(over));
    else if (again !== first) identicalBilled(first, again, `request ${of}'s probes`);
  };
  const identicalBilled = (first: number, again: number, request?: string) => {
    moves.push(again - first);
    const unstable = unstableFrame(first, again, moves, request);
    if (!unstable) {
      // billed alike after counts that moved: one more move, of none, as the live run read it
      if (moves.some((m) => m !== 0) && !channels.readsSeenTokens) protocol.countsVary(moves);
      return;
    }
    if (!channels.readsSeenTokens) protocol.countsVary(moves);
    else {
      setAside(unstable.reason, USAGE_COUNT_UNSTABLE);
      if (Number.isFinite(unstable.spread)) countsUnstable = unstable.reason;
    }
  };
  const setAside = (reason: string, flag?: string) => {
    protocol.countsUnreadable(reason);
    channels.setUsageAside(reason, flag);
  };
  // each count checked as the live run checked it when it came: a count that does not move with the prompt is
  // read only where the frame, asked again by then (or right after it, to tell), was billed differently
  const checkCount = billedCountCheck();
  const movedBy = (i: number): boolean => {
    const ahead: number[] = [];
    for (let j = i + 1; sent[j]?.role.kind === 'frame-check'; j++) ahead.push(moveOf(sent[j].response) ?? 0);
    return [...moves, ...ahead].some((m) => m !== 0);
  };
  const readCount = (i: number, seq: number): void => {
    const { request, response } = sent[i];
    if (protocol.unreadable || !response) return;
    const checked = checkCount(seq, request, response);
    if ('absent' in checked) {
      protocol.countsUnreadable(checked.absent);
      channels.usageAbsent(checked.absent);
    } else if ('impossible' in checked) setAside(checked.impossible);
    else if ('suspect' in checked && !movedBy(i)) setAside(unreadableUsage(checked.suspect));
  };
  for (const [i, { request, response, role }] of sent.entries()) {
    if (!response) continue;
    if (role.kind === 'frame-check') {
      frameCheck(response);
      await scoredAfter(i);
      continue;
    }
    if (role.kind === 'stray-check') {
      strayCheck(role.of, request, response);
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
    // what the target gives is known from the first answer before its count is checked, as in the live run
    channels.discover(response);
    readCount(i, o.seq);
    const promptTokens = protocol.unreadable ? 0 : o.promptTokens;
    const record = { seq: o.seq, probes: o.probes, promptTokens, stratum: o.stratum as PackLabel };
    await protocol.countAnswer(o.tested ? { ...record, tested: o.tested } : record, request, response);
    await scoredAfter(i);
  }
  // a runtime given always fuses
  return { ...(await protocol.posterior()).fusion!, countsUnread: protocol.unreadable, countsUnstable };
}
