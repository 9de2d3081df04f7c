import type { CliIo } from '../cli/io.js';
import { loadCatalog } from '../references/catalog.js';
import { cacheDir } from '../references/store/cache-dir.js';
import type { IdentifyResult } from '../scoring/identify.js';
import type { CountIndex } from '../signatures/count-index.js';
import { cachedTokenizers } from './cached-tokenizers.js';
import { renderTerminal } from './render-terminal.js';
import type { ReportFormatName } from './report-formats.js';
import { strongestProbes, type StrongProbe } from './strongest-probes.js';
import { useColor } from './terminal-style.js';
import { readRunReport, writeReports } from './write-reports.js';

/** The strongest probes of a finished run with the splits of the references already in the cache, for its verdict. */
export async function probesForRecord(io: CliIo, result: IdentifyResult, index: CountIndex): Promise<StrongProbe[]> {
  const catalog = await loadCatalog({ env: io.env });
  return strongestProbes(result, index, cachedTokenizers(catalog, io.env.TOKPRINT_CACHE ?? cacheDir(io.env)));
}

/** After a run is sealed: writes the asked-for reports beside its verdict and returns the terminal summary. */
export function finishedRunText(io: CliIo, run: string, formats: readonly ReportFormatName[] = [], quiet = false): string {
  const report = readRunReport(run);
  for (const path of writeReports(run, formats, report)) if (!quiet) io.stderr(`tokprint: wrote ${path}\n`);
  return renderTerminal(report, { color: useColor(io.isTTY?.stdout, io.env) });
}
