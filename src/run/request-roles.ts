/** What a recorded request was sent for, read from the request itself. */
export type RecordedRole =
  /** The n-th count request (from 1): the one that made observation n. */
  | { kind: 'count'; observation: number }
  /** A channel's follow-up of the count request that made observation `of`. */
  | { kind: 'follow-up'; of: number }
  /** The bare frame sent again to check that the billed counts are stable: no evidence of its own. */
  | { kind: 'frame-check' }
  /** The probes of the count request that made observation `of`, asked again to check its stray: no evidence either. */
  | { kind: 'stray-check'; of: number };

/**
 * The role of each request, given in the order sent. Observations are numbered among the count requests
 * alone while a run's transcript numbers every request: a follow-up names the count request it follows,
 * and the frame check is sent fresh (past any cached answer) after the first count request.
 */
export function requestRoles(
  sent: readonly { followUpOf?: unknown; fresh?: unknown; repeatOf?: unknown; recount?: unknown }[],
): RecordedRole[] {
  let counted = 0;
  return sent.map((request): RecordedRole => {
    if (typeof request.followUpOf === 'number') return { kind: 'follow-up', of: request.followUpOf };
    if (typeof request.repeatOf === 'number' && counted > 0) return { kind: 'stray-check', of: request.repeatOf };
    if (request.fresh === true && counted > 0 && request.recount !== true) return { kind: 'frame-check' };
    counted++;
    return { kind: 'count', observation: counted };
  });
}
