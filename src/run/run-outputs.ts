import type { CliIo } from '../cli/io.js';
import { loadCatalog } from '../references/catalog.js';
import { cacheDir } from '../references/store/cache-dir.js';
import { cachedTokenizers } from './cached-tokenizers.js';
import { renderTerminal } from '../report/render-terminal.js';
import { REPORT_FORMATS, type ReportFormatName } from '../report/report-formats.js';
import type { RunReport } from '../report/run-report.js';
import { withSplits } from '../report/strongest-probes.js';
import { useColor } from '../report/terminal-style.js';
import { readRunReport, writeReports } from './write-reports.js';

/**
 * The run's record with the token splits of its strongest probes filled in from the pinned cache:
 * splits are derived from the recorded probe texts and pinned tokenizer files, so loading those
 * tokenizers is left to when a report is asked for rather than slowing every run.
 */
export async function reportWithSplits(env: NodeJS.ProcessEnv, report: RunReport): Promise<RunReport> {
  const probes = report.verdict.strongestProbes ?? [];
  if (!probes.some((p) => p.splits.some((s) => !s.tokens))) return report;
  const tokenizers = cachedTokenizers(await loadCatalog({ env }), env.TOKPRINT_CACHE ?? cacheDir(env));
  return { ...report, verdict: { ...report.verdict, strongestProbes: await withSplits(probes, tokenizers) } };
}

/** After a run is sealed: writes the asked-for reports beside its verdict and returns the terminal summary. */
export async function finishedRunText(
  io: CliIo,
  run: string,
  formats: readonly ReportFormatName[] = [],
  quiet = false,
): Promise<string> {
  let report = readRunReport(run);
  if (formats.length) {
    if (formats.some((name) => REPORT_FORMATS[name].splits)) report = await reportWithSplits(io.env, report);
    for (const path of writeReports(run, formats, report)) if (!quiet) io.stderr(`tokprint: wrote ${path}\n`);
  }
  return renderTerminal(report, { color: useColor(io.isTTY?.stdout, io.env) });
}
