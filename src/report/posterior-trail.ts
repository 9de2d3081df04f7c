import type { Posterior } from '../scoring/posterior.js';

/** Where the hypotheses stood after one request: each one's log10 odds, keyed by its first reference. */
export interface TrailPoint {
  /** Requests sent to the target so far, of every kind (count, repeat, follow-up), as the progress line counts them. */
  requests: number;
  logOdds: Record<string, number>;
  /** The log10 odds of "none of the indexed tokenizers". */
  unknown: number;
}

/** Odds this long either way are off any chart a person reads; kept finite so JSON holds them. */
const LIMIT = 99;

function log10Odds(p: number, rest: number): number {
  if (!(p > 0)) return -LIMIT;
  if (!(rest > 0)) return LIMIT;
  return Math.max(-LIMIT, Math.min(LIMIT, Math.round((Math.log10(p) - Math.log10(rest)) * 100) / 100));
}

/**
 * A posterior as log10 odds, each against everything else. The rest is summed from the other hypotheses
 * rather than taken as 1 - p, which loses every digit once p is near 1.
 */
export function trailPoint(posterior: Posterior, requests: number): TrailPoint {
  const shares = posterior.groups.map((g) => g.match + g.derived);
  const total = shares.reduce((sum, p) => sum + p, posterior.unknown);
  const logOdds: Record<string, number> = {};
  posterior.groups.forEach((g, i) => {
    logOdds[g.group.references[0]] = log10Odds(shares[i], total - shares[i]);
  });
  return { requests, logOdds, unknown: log10Odds(posterior.unknown, total - posterior.unknown) };
}
