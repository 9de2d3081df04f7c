import { isDeepStrictEqual } from 'node:util';
import { UserError } from '../util/errors.js';
import type { Target, TargetRequest, TargetResponse } from './target.js';
import type { TranscriptEntry } from './transcript.js';

/** One exchange as a run's record keeps it: the request, the target's whole answer, or the error it gave. */
export type ExchangeEntry =
  | (TranscriptEntry & { kind: 'request' | 'error' })
  | ({ kind: 'response'; seq: number; at: string; target: string } & TargetResponse);

/** Where the exchanges are recorded, each before the run goes on. */
export interface ExchangeLog {
  append(entry: ExchangeEntry): void;
}

function isExchange(entry: { kind: string }): entry is ExchangeEntry {
  return entry.kind === 'request' || entry.kind === 'response' || entry.kind === 'error';
}

/** The record's request and the one the run would send now differ: the run cannot be continued as recorded. */
export class RecordMismatch extends UserError {}

/**
 * Wraps a target for a run with a record: requests that already have a recorded answer (from a
 * killed run being resumed) are answered from the record in order and never sent again; every other
 * request is recorded before it is sent and its answer before it is used.
 */
export function resumableTarget(
  target: Target,
  record: ExchangeLog,
  /** The record's lines so far; lines other than exchanges are passed over. */
  recorded: readonly { kind: string }[] = [],
  now: () => Date = () => new Date(),
): Target {
  const requests = new Map<number, TargetRequest>();
  const answers = new Map<number, TargetResponse>();
  for (const entry of recorded) {
    if (!isExchange(entry)) continue;
    if (entry.kind === 'request') requests.set(entry.seq, entry.request);
    if (entry.kind === 'response' && !answers.has(entry.seq)) {
      const { kind: _kind, seq: _seq, at: _at, target: _target, ...response } = entry;
      answers.set(entry.seq, response);
    }
  }
  let seq = 0;
  let live = false;
  return {
    id: target.id,
    description: target.description,
    get offers() {
      return target.offers;
    },
    async send(request) {
      const n = ++seq;
      const answer = answers.get(n);
      if (answer && !live) {
        if (!isDeepStrictEqual(JSON.parse(JSON.stringify(request)), requests.get(n))) {
          throw new RecordMismatch(
            `request ${n} differs from the one recorded in the run (did the index or the probe pool change since it started?)`,
          );
        }
        return answer;
      }
      live = true;
      record.append({ kind: 'request', seq: n, at: now().toISOString(), target: target.id, request });
      let response: TargetResponse;
      try {
        response = await target.send(request);
      } catch (error) {
        record.append({
          kind: 'error',
          seq: n,
          at: now().toISOString(),
          target: target.id,
          message: (error as Error).message,
        });
        throw error;
      }
      record.append({ kind: 'response', seq: n, at: now().toISOString(), target: target.id, ...response });
      return response;
    },
  };
}
