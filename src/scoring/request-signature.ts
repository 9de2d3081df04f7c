import type { CountIndex } from '../signatures/count-index.js';
import { countSignature, type CountSignature, type Observation } from '../signatures/observations.js';
import { UNTOUCHED_BY_KIND } from './posterior.js';

/**
 * The count signature of requests as identify sent them: each pack's kind (stratum or edge check) sets
 * how likely a derived tokenizer's changes are to have missed it. Requests without a kind keep the default.
 */
export function requestSignature(requests: readonly (Observation & { stratum?: string })[], index: CountIndex): CountSignature {
  const signature = countSignature(requests, index);
  if (!requests.some((r) => r.stratum)) return signature;
  return { ...signature, untouched: requests.map((r) => (r.stratum === 'edge' ? UNTOUCHED_BY_KIND.edge : UNTOUCHED_BY_KIND.stratum)) };
}
