import type { CountNoise } from '../scoring/count-spread.js';

/** What an audit found: one judged identify run per target, as the audit summaries render it. */
export type AuditOutcome = 'passed' | 'failed' | 'inconclusive' | 'error';

export interface AuditTargetResult {
  label: string;
  target: string;
  outcome: AuditOutcome;
  expected: string;
  /** The verdict in one phrase, or the error line of a target that could not be run. */
  found: string;
  status?: string;
  family?: string | null;
  class?: string[];
  /** The verdict's confidence; null when the run reached no verdict (inconclusive), as every summary shows it. */
  confidence?: number | null;
  requests?: number;
  promptTokens?: number;
  flags?: string[];
  /** How far identical requests' counts varied, when the run saw them vary, and what measuring it took. */
  noise?: CountNoise;
  /** The run's directory, when one was written. */
  run?: string;
  /** Reports written in the run's directory. */
  reports: string[];
  /** The exit code identify would have given this target alone. */
  exitCode: number;
  seconds: number;
}

export interface AuditResult {
  description?: string;
  startedAt: string;
  /** The audit's wall-clock time: targets run at once, so less than the sum of theirs. */
  seconds: number;
  targets: AuditTargetResult[];
  counts: Record<AuditOutcome, number>;
  /** 0 when every expectation holds; 1 when one fails, is inconclusive or its target could not be run. */
  exitCode: number;
}
