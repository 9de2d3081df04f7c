import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../references/store/package-root.js';
import { readRun } from './read-run.js';
import { REPORT_FORMATS, type ReportFormatName } from '../report/report-formats.js';
import type { RunReport } from '../report/run-report.js';

export function toolInfo(): RunReport['tool'] {
  const { name, version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
  return { name, version };
}

export function readRunReport(dir: string): RunReport {
  return readRun(dir, toolInfo());
}

/** Writes each format beside the run's verdict; returns the paths written. */
export function writeReports(
  dir: string,
  formats: readonly ReportFormatName[],
  report: RunReport = readRunReport(dir),
): string[] {
  return formats.map((name) => {
    const path = join(report.dir, REPORT_FORMATS[name].file);
    writeFileSync(path, REPORT_FORMATS[name].render(report));
    return path;
  });
}
