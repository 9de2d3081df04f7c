import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseFormats, REPORT_FORMATS } from '../../report/report-formats.js';
import { renderTerminal } from '../../report/render-terminal.js';
import { reportWithSplits } from '../run-reports.js';
import { useColor } from '../../report/terminal-style.js';
import { openWorkspace } from '../../run/workspace.js';
import { readRunReport } from '../../run/read-run.js';
import { UserError } from '../../util/errors.js';
import { fileSystemError } from '../../util/fs-errors.js';
import type { CliIo } from '../io.js';

export interface ReportOptions {
  format?: string;
  output?: string;
}

/** `tokprint report <run>`: one report of a finished run, to stdout or a file; nothing is sent anywhere. */
export default async function reportAction(io: CliIo, runDir: string, options: ReportOptions): Promise<number> {
  const terminal = !options.format || options.format === 'text';
  const formats = terminal ? [] : parseFormats(options.format!);
  if (formats.length > 1) throw new UserError('--format takes one format; identify --report writes several at once');
  const record = readRunReport(resolve(io.cwd, runDir));
  let text: string;
  if (terminal) {
    text = renderTerminal(record, { color: !options.output && useColor(io.isTTY?.stdout, io.env) });
  } else {
    const format = REPORT_FORMATS[formats[0]];
    text = format.render(format.splits ? await reportWithSplits(await openWorkspace(io.env), record) : record);
  }
  if (options.output) {
    const path = resolve(io.cwd, options.output);
    try {
      writeFileSync(path, text);
    } catch (error) {
      throw fileSystemError(error, `cannot write the report to --output ${path}`);
    }
  } else io.stdout(text);
  return 0;
}
