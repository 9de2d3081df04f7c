import type { Stratum } from '../probes/probe.js';
import type { Observation } from '../signatures/observations.js';
import type { Engine } from './batch/engine.js';
import type { ChannelSummary } from './channels/runtime.js';
import type { CountNoise } from './count-spread.js';
import type { Posterior } from './posterior.js';
import type { Verdict } from './verdict.js';

export interface Budget {
  maxQueries: number;
  maxPromptTokens: number;
  /**
   * The most requests once identical requests were billed differently: a hidden part of the prompt that changes
   * per request takes more requests to see through. Below maxQueries, or absent, it is maxQueries.
   */
  noiseQueries?: number;
}

export const DEFAULT_BUDGET: Required<Budget> = { maxQueries: 6, maxPromptTokens: 30_000, noiseQueries: 10 };

/**
 * A budget from the limits a caller gave, the rest from DEFAULT_BUDGET: a request limit given alone is the limit
 * under noise too, since a caller who caps the requests means the cap.
 */
export function budgetFrom(given: Partial<Budget>): Budget {
  return {
    maxQueries: given.maxQueries ?? DEFAULT_BUDGET.maxQueries,
    maxPromptTokens: given.maxPromptTokens ?? DEFAULT_BUDGET.maxPromptTokens,
    noiseQueries: given.noiseQueries ?? given.maxQueries ?? DEFAULT_BUDGET.noiseQueries,
  };
}

/** The most requests a run may send: more once its counts were seen to vary between identical requests. */
export function requestLimit(budget: Budget, countsVary: boolean): number {
  return countsVary ? Math.max(budget.maxQueries, budget.noiseQueries ?? 0) : budget.maxQueries;
}

/** What a request held: the bare frame, one stratum's probes, or the check of the leader's vocabulary edges. */
export type PackLabel = Stratum | 'frame' | 'edge' | 'core';

export interface RequestRecord extends Observation {
  stratum: PackLabel;
  /** For an edge or core check: the class it tested (its first reference), the one leading when it was planned. */
  tested?: string;
}

/** What an identification found, from the requests it made: the verdict and the evidence behind it. */
export interface IdentifyResult {
  verdict: Verdict;
  posterior: Posterior;
  requests: RequestRecord[];
  queries: number;
  promptTokens: number;
  /** Why the loop ended: a verdict reached, or which budget ran out. */
  stop: 'confident' | 'max-queries' | 'max-prompt-tokens' | 'no-informative-request' | 'usage-count-unstable';
  channels?: ChannelSummary;
  /** Which scoring path scored the counts. */
  engine?: Engine;
  /** Why the billed counts were found unstable, when the run stopped for it. */
  unstable?: string;
  /** How far identical requests' counts varied, when they did, and what measuring it cost. */
  noise?: CountNoise;
}
