import { verdictHeadline } from './verdict-headline.js';
import { revealInvisible } from './visible-text.js';
import { evidenceRows, hypotheses, isWhiteBox, percent, reportFlags, sentAs, signed } from './report-facts.js';
import { comparisonLine, identicalClass, sharedText, whiteBoxRows } from './white-box-facts.js';
import { weightFacts, weightLines, weightReadText } from './weight-facts.js';
import { flagLines } from './verdict-flags.js';
import { noiseLine } from './noise-line.js';
import type { RunReport } from '../run/run-report.js';
import { type Paint, paint } from './terminal-style.js';

const ROWS = 5;

function pad(text: string, width: number, right = false): string {
  const gap = ' '.repeat(Math.max(0, width - [...text].length));
  return right ? gap + text : text + gap;
}

/** A white-box run's closest references: how alike the files are, and the full comparison where one was made. */
function whiteBoxLines(report: RunReport, c: Paint): string[] {
  const rows = whiteBoxRows(report).slice(0, ROWS);
  const width = Math.max(9, ...rows.map((r) => r.reference.length));
  const lines = ['', `  ${pad('reference', width)}  ${pad('family', 12)}  ${pad('likeness', 11)}  vocabulary`];
  for (const r of rows)
    lines.push(`  ${pad(r.reference, width)}  ${pad(r.family, 12)}  ${pad(r.likeness, 11)}  ${sharedText(r)}`);
  for (const r of rows.filter((row) => row.comparison)) lines.push(c.dim(`  vs ${r.reference}: ${comparisonLine(r)}`));
  const weights = weightFacts(report);
  if (weights) {
    const read = weightReadText(weights);
    const [headline, ...runnersUp] = weightLines(weights, ROWS - 1);
    lines.push('', headline, ...runnersUp.map((line) => c.dim(line)));
    if (read) lines.push(c.dim(`  ${read}`));
  }
  lines.push('', 'compared white-box: the tokenizer files were read, no request was sent', `run: ${report.dir}`);
  return lines;
}

/** A compact terminal summary: verdict line, candidates with the packs each matched, what was spent. */
export function renderTerminal(report: RunReport, options: { color: boolean }): string {
  const c = paint(options.color);
  const v = report.verdict.verdict;
  const tint =
    v.status === 'match'
      ? c.green
      : v.status === 'derived'
        ? c.yellow
        : v.status === 'inconclusive'
          ? c.red
          : (t: string) => t;
  const lines = [
    ...flagLines(reportFlags(report)).map((line) => c.bold(c.red(line))),
    // the model name and description are the user's and the server's text: shown, never acted on by the terminal
    c.dim(
      revealInvisible(
        `target: ${report.settings.target}${report.settings.description ? ` (${report.settings.description})` : ''}`,
      ),
    ),
    c.bold(
      tint(
        verdictHeadline(
          isWhiteBox(report) ? { ...report.verdict.verdict, class: identicalClass(report) } : report.verdict.verdict,
          report.verdict.stop,
          isWhiteBox(report) ? 'same vocabulary as' : undefined,
          report.verdict.candidates[0],
        ),
      ),
    ),
  ];
  if (v.models.length) lines.push(`  models known to use it: ${v.models.join(', ')}`);
  if (v.status === 'match' || v.status === 'derived')
    lines.push(c.dim('  tokenizer evidence shows the base tokenizer (lineage), not which fine-tune'));
  if (isWhiteBox(report)) return `${[...lines, ...whiteBoxLines(report, c)].join('\n')}\n`;

  const { rows } = evidenceRows(report, ROWS);
  const shown = hypotheses(report).slice(0, ROWS);
  const width = Math.max(9, ...shown.map((h) => h.reference.length));
  lines.push('', `  ${pad('reference', width)}  ${pad('family', 12)}  ${pad('prob.', 7, true)}  packs matched`);
  shown.forEach((h, i) => {
    const hits = rows.filter((r) => r.cells[i]?.matched).length;
    const marks = rows
      .map((r) => (r.cells[i]?.matched === undefined ? '·' : r.cells[i].matched ? c.green('✓') : c.red('✗')))
      .join('');
    const row = `  ${pad(h.reference, width)}  ${pad(h.family, 12)}  ${pad(percent(h.posterior), 7, true)}  ${rows.length ? `${hits}/${rows.length} ${marks}` : '-'}`;
    lines.push(i === 0 && (v.status === 'match' || v.status === 'derived') ? c.bold(row) : row);
  });
  lines.push(`  ${pad('(none of these)', width + 14)}  ${pad(percent(report.verdict.unknown), 7, true)}`);

  const s = report.spent;
  lines.push(
    '',
    `spent: ${s.requests} requests, ${s.promptTokens.toLocaleString('en-US')} prompt tokens${report.channels.length ? ` via ${report.channels.join(', ')}` : ''}`,
  );
  const noise = noiseLine(report.verdict.noise);
  if (noise) lines.push(noise);
  const strongest = report.verdict.evidence
    .map((e) => `#${sentAs(report, e.request)} ${signed(e.observed)}`)
    .join(', ');
  if (strongest) lines.push(c.dim(`billed over the bare frame: ${strongest}`));
  lines.push(`run: ${report.dir}`);
  return `${lines.join('\n')}\n`;
}
