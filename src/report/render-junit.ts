import { plainVerdict } from './report-facts.js';
import type { RunReport } from './run-report.js';
import { escapeMarkup as x } from './xml-escape.js';

/** One run as a one-testcase suite: it passes when the run reached a verdict, and fails when the budget ran out first. */
export function renderJunit(report: RunReport): string {
  const plain = plainVerdict(report);
  const v = report.verdict.verdict;
  const seconds = report.started && report.finished ? (Date.parse(report.finished) - Date.parse(report.started)) / 1000 : 0;
  const failed = v.status === 'inconclusive';
  const body = failed ? `\n      <failure message="${x(plain.headline)}" type="inconclusive">${x(plain.proves)}</failure>\n    ` : '';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tokprint" tests="1" failures="${failed ? 1 : 0}" time="${seconds}">`,
    `  <testsuite name="tokprint identify" tests="1" failures="${failed ? 1 : 0}" errors="0" time="${seconds}"${report.started ? ` timestamp="${x(report.started)}"` : ''}>`,
    `    <testcase classname="tokprint.identify" name="${x(report.settings.target)}" time="${seconds}">${body}<system-out>${x(`${v.status}: ${plain.headline}, confidence ${plain.confidence}; ${report.spent.requests} requests, ${report.spent.promptTokens} prompt tokens; run ${report.dir}`)}</system-out></testcase>`,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
