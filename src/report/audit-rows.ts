import type { AuditOutcome, AuditResult, AuditTargetResult } from '../run/audit-result.js';
import { percent } from './report-facts.js';
import { noiseFacts, noiseSentence } from './noise-line.js';

export const OUTCOME_WORDS: Record<AuditOutcome, string> = {
  passed: 'PASS',
  failed: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  error: 'ERROR',
};

/** The run's noise in the words of its own report's noise line, or nothing when its counts did not vary. */
function auditNoise(r: AuditTargetResult): string {
  const facts = noiseFacts(r.noise);
  return facts ? noiseSentence(facts) : '';
}

/** One target's row as every audit summary shows it. */
export function auditRow(r: AuditTargetResult) {
  return {
    result: OUTCOME_WORDS[r.outcome],
    target: r.label === r.target ? r.target : `${r.label} (${r.target})`,
    found: r.found,
    expected: r.expected,
    confidence: r.confidence == null ? '—' : percent(r.confidence),
    requests: r.requests === undefined ? '—' : String(r.requests),
    tokens: r.promptTokens === undefined ? '—' : String(r.promptTokens),
    flags: r.flags?.length ? r.flags.join(', ') : '',
    noise: auditNoise(r),
  };
}

/** `3 targets: 2 passed, 1 failed`. */
export function auditCountsLine(result: AuditResult): string {
  const { counts } = result;
  const parts = (Object.keys(counts) as AuditOutcome[]).filter((k) => counts[k]).map((k) => `${counts[k]} ${k}`);
  return `${result.targets.length} target${result.targets.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
