import type { VerdictStatus } from '../src/scoring/verdict.js';

/** The kind of change a derived bench target's label names. */
export function derivedKind(label: string): string {
  if (label.startsWith('domain')) return 'domain extension';
  if (label.startsWith('add') && label.includes('drop')) return 'extension + pruning';
  if (label.startsWith('add')) return 'extension';
  if (label.startsWith('drop')) return 'pruning';
  return 'pre-tokenizer';
}

interface Row {
  detected: number;
  match: number;
  unknown: number;
  inconclusive: number;
  total: number;
}

/** Derived targets tallied by kind of change: detected (derived, right family), called a plain match, unknown, inconclusive. */
export class DerivedKinds {
  private readonly rows = new Map<string, Row>();

  add(label: string, status: VerdictStatus, detected: boolean): void {
    const kind = derivedKind(label);
    const row = this.rows.get(kind) ?? { detected: 0, match: 0, unknown: 0, inconclusive: 0, total: 0 };
    this.rows.set(kind, row);
    row.total++;
    if (detected) row.detected++;
    else if (status === 'match') row.match++;
    else if (status === 'unknown') row.unknown++;
    else if (status === 'inconclusive') row.inconclusive++;
  }

  table(): string {
    if (!this.rows.size) return '';
    const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');
    const all: Row = { detected: 0, match: 0, unknown: 0, inconclusive: 0, total: 0 };
    const line = (name: string, r: Row) =>
      `| ${name} | ${r.total} | ${pct(r.detected, r.total)} (${r.detected}) | ${r.match} | ${r.unknown} | ${r.inconclusive} |`;
    const lines = [
      '| derived kind | runs | detected (right family) | match | unknown | inconclusive |',
      '|---|---|---|---|---|---|',
    ];
    for (const [kind, r] of [...this.rows].sort((a, b) => a[0].localeCompare(b[0]))) {
      lines.push(line(kind, r));
      for (const key of Object.keys(all) as (keyof Row)[]) all[key] += r[key];
    }
    lines.push(line('**all**', all));
    return lines.join('\n');
  }
}
