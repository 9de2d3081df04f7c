import type { TargetRequest, TargetResponse } from '../targets/target.js';
import { type RecordedRole, requestRoles } from './request-roles.js';
import type { RecordEntry } from './run-record.js';

export interface RecordedExchange {
  seq: number;
  request: TargetRequest;
  /** The first answer recorded for the request: the one a resumed run used. */
  response?: TargetResponse;
  role: RecordedRole;
}

/** Each request of a run's record once, in the order sent, with its answer and what it was sent for. */
export function recordedExchanges(entries: readonly RecordEntry[]): RecordedExchange[] {
  const requests = new Map<number, TargetRequest>();
  const responses = new Map<number, TargetResponse>();
  for (const entry of entries) {
    if (entry.kind === 'request' && !requests.has(entry.seq)) requests.set(entry.seq, entry.request);
    if (entry.kind === 'response' && !responses.has(entry.seq)) responses.set(entry.seq, entry);
  }
  const sent = [...requests.keys()].sort((a, b) => a - b);
  const roles = requestRoles(sent.map((seq) => requests.get(seq)!));
  return sent.map((seq, i) => ({ seq, request: requests.get(seq)!, response: responses.get(seq), role: roles[i] }));
}
