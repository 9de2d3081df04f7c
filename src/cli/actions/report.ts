import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseFormats, REPORT_FORMATS } from '../../report/report-formats.js';
import { renderTerminal } from '../../report/render-terminal.js';
import { useColor } from '../../report/terminal-style.js';
import { readRunReport } from '../../report/write-reports.js';
import { UserError } from '../../util/errors.js';
import type { CliIo } from '../io.js';

export interface ReportOptions {
  format?: string;
  output?: string;
}

export default async function reportAction(io: CliIo, runDir: string, options: ReportOptions): Promise<number> {
  const report = readRunReport(resolve(io.cwd, runDir));
  if (!options.format || options.format === 'text') {
    const text = renderTerminal(report, { color: !options.output && useColor(io.isTTY?.stdout, io.env) });
    if (options.output) writeFileSync(resolve(io.cwd, options.output), text);
    else io.stdout(text);
    return 0;
  }
  const formats = parseFormats(options.format);
  if (formats.length > 1) throw new UserError('--format takes one format here; identify --report writes several at once');
  const text = REPORT_FORMATS[formats[0]].render(report);
  if (options.output) writeFileSync(resolve(io.cwd, options.output), text);
  else io.stdout(text);
  return 0;
}
