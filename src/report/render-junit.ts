import { plainVerdict, reportFlags } from './report-facts.js';
import { flagLines } from './verdict-flags.js';
import { noiseLine } from './noise-line.js';
import type { RunReport } from '../run/run-report.js';
import { escapeMarkup as x } from './xml-escape.js';

/**
 * One run as a one-testcase suite: it passes when the run reached a verdict, and fails when the budget ran out
 * first or the verdict carries a flag (a warning a reader must see before trusting it: a gate should not pass it).
 */
export function renderJunit(report: RunReport): string {
  const plain = plainVerdict(report);
  const v = report.verdict.verdict;
  const seconds =
    report.started && report.finished ? (Date.parse(report.finished) - Date.parse(report.started)) / 1000 : 0;
  const warnings = flagLines(reportFlags(report));
  const noise = noiseLine(report.verdict.noise);
  const failed = v.status === 'inconclusive' || warnings.length > 0;
  const failure = warnings.length
    ? `<failure message="${x(warnings[0])}" type="flagged">${x([...warnings, `${v.status}: ${plain.headline}`].join('\n'))}</failure>`
    : `<failure message="${x(plain.headline)}" type="inconclusive">${x(plain.proves)}</failure>`;
  const body = failed ? `\n      ${failure}\n    ` : '';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tokprint" tests="1" failures="${failed ? 1 : 0}" time="${seconds}">`,
    `  <testsuite name="tokprint identify" tests="1" failures="${failed ? 1 : 0}" errors="0" time="${seconds}"${report.started ? ` timestamp="${x(report.started)}"` : ''}>`,
    `    <testcase classname="tokprint.identify" name="${x(report.settings.target)}" time="${seconds}">${body}<system-out>${x(`${warnings.map((w) => `${w}\n`).join('')}${v.status}: ${plain.headline}, confidence ${plain.confidence}; ${report.spent.requests} requests, ${report.spent.promptTokens} prompt tokens; run ${report.dir}${noise ? `\n${noise}` : ''}`)}</system-out></testcase>`,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
