import type { VerdictStatus } from '../scoring/verdict.js';

/** What an audited target's verdict must say: every key given must hold. */
export interface Expectation {
  /** The verdict (match or derived) names one of these families or reference ids. */
  family?: string[];
  /** The verdict names none of these families or reference ids. */
  not?: { family: string[] };
  /** The verdict's status is one of these. */
  status?: VerdictStatus[];
}

/** The part of a verdict an expectation is judged on. */
export interface JudgedVerdict {
  status: VerdictStatus;
  family: string | null;
  class: string[];
  confidence: number;
  /** Consistency flags: the counts were set aside or could not be trusted. */
  flags?: readonly string[];
}

export type Judgement = { outcome: 'passed' | 'failed' | 'inconclusive' };

/** The verdict as one phrase: `match deepseek-v3 (family deepseek-v3)`, `unknown`, `inconclusive`. */
export function foundText(v: JudgedVerdict): string {
  const flagged = v.flags?.length ? `, flagged ${v.flags.join(', ')}` : '';
  if (v.status !== 'match' && v.status !== 'derived') return `${v.status}${flagged}`;
  const head = v.class[0] ?? v.family ?? '?';
  return `${v.status} ${v.class.join(' = ')}${v.family && v.family !== head ? ` (family ${v.family})` : ''}${flagged}`;
}

export function expectedText(expect: Expectation | undefined): string {
  if (!expect) return 'a verdict';
  const parts: string[] = [];
  if (expect.status) parts.push(`status ${expect.status.join(' or ')}`);
  if (expect.family) parts.push(`family ${expect.family.join(' or ')}`);
  if (expect.not) parts.push(`not family ${expect.not.family.join(' or ')}`);
  return parts.join(', ');
}

function names(v: JudgedVerdict, family: readonly string[]): boolean {
  if (v.status !== 'match' && v.status !== 'derived') return false;
  return family.some((name) => name === v.family || v.class.includes(name));
}

/**
 * Whether a verdict holds what was expected of it. An inconclusive run proves nothing either way, so it never
 * passes, whatever was expected; a flagged one never passes either (its counts were set aside or impossible, the
 * same rule as a run's own JUnit report); a target with no expectation passes on any other verdict.
 */
export function judge(expect: Expectation | undefined, v: JudgedVerdict): Judgement {
  if (v.status === 'inconclusive') return { outcome: 'inconclusive' };
  if (v.flags?.length) return { outcome: 'failed' };
  const holds =
    (!expect?.status || expect.status.includes(v.status)) &&
    (!expect?.family || names(v, expect.family)) &&
    (!expect?.not || !names(v, expect.not.family));
  return { outcome: holds ? 'passed' : 'failed' };
}
