import { join } from 'node:path';
import { REPORT_FORMATS, type ReportFormatName } from '../report/report-formats.js';
import { cachedTokenizers } from '../run/cached-tokenizers.js';
import { readRunReport } from '../run/read-run.js';
import type { RunReport } from '../run/run-report.js';
import type { Workspace } from '../run/workspace.js';
import { withSplits } from '../scoring/strongest-probes.js';
import { writeFileAtomic } from '../util/atomic-write.js';

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
  return { report, written: await writeReports(run, formats, report) };
}

/** Writes each format beside the run's verdict, each whole or not at all; returns the paths written. */
export async function writeReports(
  dir: string,
  formats: readonly ReportFormatName[],
  report: RunReport = readRunReport(dir),
): Promise<string[]> {
  const written: string[] = [];
  for (const name of formats) {
    const path = join(report.dir, REPORT_FORMATS[name].file);
    await writeFileAtomic(path, REPORT_FORMATS[name].render(report));
    written.push(path);
  }
  return written;
}
