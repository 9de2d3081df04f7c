import { resolve } from 'node:path';
import { parseFormats, REPORT_FORMATS } from '../../report/report-formats.js';
import { renderTerminal } from '../../report/render-terminal.js';
import { reportWithSplits } from '../run-reports.js';
import { useColor } from '../../report/terminal-style.js';
import { openWorkspace } from '../../run/workspace.js';
import { readRunReport } from '../../run/read-run.js';
import { UserError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { refuseIrregularOutput } from '../../util/user-file.js';
import type { CliIo } from '../io.js';

export interface ReportOptions {
  format?: string;
  output?: string;
}

/** `tokprint report <run>`: one report of a finished run, to stdout or a file; nothing is sent anywhere. */
export default async function reportAction(io: CliIo, runDir: string, options: ReportOptions): Promise<number> {
  const terminal = !options.format || options.format === 'text';
  const formats = terminal ? [] : parseFormats(options.format!, ['text']);
  if (formats.length > 1) throw new UserError('--format takes one format; identify --report writes several at once');
  const output = options.output === undefined ? undefined : resolve(io.cwd, options.output);
  // a pipe or a device would hold the write open until a reader comes, past any signal: refused before anything is read
  if (output) refuseIrregularOutput(output, '--output');
  const record = readRunReport(resolve(io.cwd, runDir));
  let text: string;
  if (terminal) {
    text = renderTerminal(record, { color: !options.output && useColor(io.isTTY?.stdout, io.env) });
  } else {
    const format = REPORT_FORMATS[formats[0]];
    text = format.render(format.splits ? await reportWithSplits(await openWorkspace(io.env), record) : record);
  }
  if (output) await writeFileAtomic(output, text);
  else io.stdout(text);
  return 0;
}
