import type { IdentifyResult } from './identify.js';
import { rankedGroups } from './verdict.js';

/** One request as evidence: what was observed over the bare frame, and what the two best hypotheses predicted. */
export interface EvidenceLine {
  request: number;
  stratum: string;
  probes: number;
  /** Billed tokens over the bare frame's. */
  observed: number;
  best: { reference: string; predicted: number };
  runnerUp?: { reference: string; predicted: number };
}

export function evidenceLines(result: IdentifyResult): EvidenceLine[] {
  const frame = result.requests.findIndex((r) => r.probes.length === 0);
  if (frame < 0) return [];
  const [best, runnerUp] = rankedGroups(result.posterior);
  if (!best) return [];
  return result.requests.flatMap((request, k) =>
    k === frame
      ? []
      : [
          {
            request: request.seq,
            stratum: request.stratum,
            probes: request.probes.length,
            observed: request.promptTokens - result.requests[frame].promptTokens,
            best: { reference: best.group.references[0], predicted: best.predicted[k] - best.predicted[frame] },
            runnerUp: runnerUp && {
              reference: runnerUp.group.references[0],
              predicted: runnerUp.predicted[k] - runnerUp.predicted[frame],
            },
          },
        ],
  );
}
