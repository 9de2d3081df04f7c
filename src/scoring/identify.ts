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
}

export const DEFAULT_BUDGET: Budget = { maxQueries: 6, maxPromptTokens: 30_000 };

/** What a request held: the bare frame, one stratum's probes, or the check of the leader's vocabulary edges. */
export type PackLabel = Stratum | 'frame' | 'edge';

export interface RequestRecord extends Observation {
  stratum: PackLabel;
  /** For an edge check: the class it tested (its first reference), the one leading when it was planned. */
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
