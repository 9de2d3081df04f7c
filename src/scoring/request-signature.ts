import type { CountIndex } from '../signatures/count-index.js';
import type { CountSignature, Observation } from '../signatures/observations.js';
import { UNTOUCHED_BY_KIND } from './noise.js';

const positionsByPool = new WeakMap<CountIndex['probes'], Map<string, number>>();

/** Each probe id's position in the pool, worked out once per pool: identify scores after every request. */
export function probePositions(index: CountIndex): Map<string, number> {
  let positions = positionsByPool.get(index.probes);
  if (!positions || positions.size !== index.probes.length) {
    positions = new Map(index.probes.map((probe, i) => [probe.id, i]));
    positionsByPool.set(index.probes, positions);
  }
  return positions;
}

/**
 * The count signature of requests as identify sent them (as countSignature reads them): each pack's kind
 * (stratum, edge or core check) sets how likely a derived tokenizer's changes are to have missed it. Requests
 * without a kind keep the default.
 */
export function requestSignature(
  requests: readonly (Observation & { stratum?: string; tested?: string })[],
  index: CountIndex,
): CountSignature {
  const position = probePositions(index);
  const signature: CountSignature = {
    packs: requests.map((r) => r.probes.map((id) => position.get(id)!)),
    observed: requests.map((r) => r.promptTokens),
  };
  if (!requests.some((r) => r.stratum)) return signature;
  return {
    ...signature,
    untouched: requests.map((r) =>
      r.stratum === 'edge'
        ? UNTOUCHED_BY_KIND.edge
        : r.stratum === 'core'
          ? UNTOUCHED_BY_KIND.core
          : UNTOUCHED_BY_KIND.stratum,
    ),
    ...(requests.some((r) => r.stratum === 'core' && r.tested) && {
      coreOf: requests.map((r) => (r.stratum === 'core' && r.tested ? r.tested : null)),
    }),
  };
}
