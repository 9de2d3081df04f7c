import { REPORT_FORMATS, type ReportFormatName } from '../report/report-formats.js';
import type { RunReport } from '../report/run-report.js';
import { withSplits } from '../report/strongest-probes.js';
import { cachedTokenizers } from './cached-tokenizers.js';
import type { Workspace } from './workspace.js';
import { readRunReport, writeReports } from './write-reports.js';

/**
 * The run's record with the token splits of its strongest probes filled in from the pinned cache:
 * splits are derived from the recorded probe texts and pinned tokenizer files, so loading those
 * tokenizers is left to when a report is asked for rather than slowing every run.
 */
export async function reportWithSplits(
  workspace: Pick<Workspace, 'catalog' | 'cacheRoot'>,
  report: RunReport,
): Promise<RunReport> {
  const probes = report.verdict.strongestProbes ?? [];
  if (!probes.some((p) => p.splits.some((s) => !s.tokens))) return report;
  const tokenizers = cachedTokenizers(workspace.catalog, workspace.cacheRoot);
  return { ...report, verdict: { ...report.verdict, strongestProbes: await withSplits(probes, tokenizers) } };
}

/** After a run is sealed: writes the asked-for reports beside its verdict; returns the run as reports read it. */
export async function writeRunReports(
  workspace: Pick<Workspace, 'catalog' | 'cacheRoot'>,
  run: string,
  formats: readonly ReportFormatName[] = [],
): Promise<{ report: RunReport; written: string[] }> {
  let report = readRunReport(run);
  if (!formats.length) return { report, written: [] };
  if (formats.some((name) => REPORT_FORMATS[name].splits)) report = await reportWithSplits(workspace, report);
  return { report, written: writeReports(run, formats, report) };
}
