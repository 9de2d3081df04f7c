import type { AuditResult } from '../run/audit-result.js';
import { auditRow } from './audit-rows.js';
import { escapeMarkup } from './xml-escape.js';

const attr = (name: string, value: string | number) => `${name}="${escapeMarkup(String(value))}"`;

/**
 * The audit as JUnit XML: one testcase per target; a failed or inconclusive expectation a `<failure>` (expected
 * vs found), a target that could not be run an `<error>`; confidence, requests, tokens and flags as properties.
 */
export function renderAuditJunit(result: AuditResult): string {
  const { counts } = result;
  const failures = counts.failed + counts.inconclusive;
  const time = result.seconds.toFixed(1);
  const head = [attr('name', 'tokprint audit'), attr('tests', result.targets.length), attr('failures', failures)];
  const totals = [...head, attr('errors', counts.error), attr('skipped', 0), attr('time', time)];
  const cases = result.targets.map((t) => {
    const row = auditRow(t);
    const properties = [
      ['target', t.target],
      ['confidence', t.confidence ?? ''],
      ['requests', t.requests ?? ''],
      ['tokens', t.promptTokens ?? ''],
      ['flags', row.flags],
      ...(row.noise ? [['noise', row.noise]] : []),
      ...(t.run ? [['run', t.run]] : []),
    ]
      .map(([name, value]) => `        <property ${attr('name', name)} ${attr('value', value)}/>`)
      .join('\n');
    const text = `expected: ${t.expected}\nfound: ${t.found}`;
    const outcome =
      t.outcome === 'failed' || t.outcome === 'inconclusive'
        ? `      <failure ${attr('message', `expected ${t.expected}, found ${t.found}`)} ${attr('type', t.outcome)}>${escapeMarkup(text)}</failure>\n`
        : t.outcome === 'error'
          ? `      <error ${attr('message', t.found)} ${attr('type', `exit ${t.exitCode}`)}>${escapeMarkup(text)}</error>\n`
          : '';
    return `    <testcase ${attr('classname', 'tokprint.audit')} ${attr('name', t.label)} ${attr('time', t.seconds.toFixed(1))}>\n      <properties>\n${properties}\n      </properties>\n${outcome}    </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ${totals.join(' ')}>\n  <testsuite ${totals.join(' ')} ${attr('timestamp', result.startedAt.replace(/\.\d+Z$/, ''))}>\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}
