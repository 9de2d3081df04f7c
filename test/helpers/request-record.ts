import type { RequestRecord } from '../../src/scoring/identify.js';

/** A sent request as a run records it, with no probes or tokens: what the planning rules read of it. */
export const record = (seq: number, stratum: RequestRecord['stratum'], tested?: string): RequestRecord => ({
  seq,
  probes: [],
  promptTokens: 0,
  stratum,
  ...(tested ? { tested } : {}),
});
