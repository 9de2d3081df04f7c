import type { AuditResult } from '../run/audit-result.js';
import { auditCountsLine, auditRow } from './audit-rows.js';
import { paint } from './terminal-style.js';
import { revealInvisible } from './visible-text.js';

const HEADERS = ['result', 'target', 'found', 'expected', 'confidence', 'requests', 'tokens', 'noise'] as const;

/** A cell's longest text: an error row quotes the server, and the whole of it is in audit.json and the JUnit file. */
const MAX_CELL = 100;

function fitted(text: string): string {
  return text.length <= MAX_CELL ? text : `${text.slice(0, MAX_CELL - 1)}…`;
}

/** The audit as a terminal table, one line per target, then the counts; a cell never carries control characters. */
export function renderAuditTable(result: AuditResult, options: { color: boolean }): string {
  const p = paint(options.color);
  const shown = result.targets.map(auditRow);
  // the noise column only where some target's counts varied: an empty column says nothing
  const headers = shown.some((row) => row.noise) ? HEADERS : HEADERS.filter((h) => h !== 'noise');
  const rows = shown.map((row) => headers.map((h) => fitted(revealInvisible(row[h]).replace(/\s+/g, ' '))));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const colour = (word: string) =>
    word === 'PASS' ? p.green(word) : word === 'FAIL' || word === 'ERROR' ? p.red(word) : p.yellow(word);
  const body = rows.map((row) => {
    const text = line(row);
    return colour(row[0]) + text.slice(row[0].length);
  });
  const cut = rows.some((row) => row.some((cell) => cell.endsWith('…')))
    ? 'long cells are cut; audit.json and --json hold them whole\n'
    : '';
  return `${[p.bold(line(headers)), ...body].join('\n')}\n${auditCountsLine(result)}\n${cut}`;
}
