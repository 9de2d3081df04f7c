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

/** The change a derived verdict should name for each kind of target (a domain extension is an extension). */
const NAMED_CHANGE: Record<string, string> = {
  'domain extension': 'extension',
  extension: 'extension',
  'extension + pruning': 'extension and pruning',
  pruning: 'pruning',
  'pre-tokenizer': 'pre-tokenizer',
};

/** Derived targets tallied by kind of change: detected (derived, right family), called a plain match, unknown, inconclusive. */
export class DerivedKinds {
  private readonly rows = new Map<string, Row>();
  /** Per kind, the changes the detected runs' verdicts named (`none` when they named none). */
  private readonly named = new Map<string, Map<string, number>>();

  add(label: string, status: VerdictStatus, detected: boolean, change?: string): void {
    const kind = derivedKind(label);
    if (detected) {
      const names = this.named.get(kind) ?? new Map<string, number>();
      this.named.set(kind, names);
      names.set(change ?? 'none', (names.get(change ?? 'none') ?? 0) + 1);
    }
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

  /** The change named by the detected runs of each kind: how many named the change made, and what the others named. */
  changeTable(): string {
    if (!this.named.size) return '';
    const lines = ['| derived kind | detected | change named right | named otherwise |', '|---|---|---|---|'];
    let detected = 0;
    let right = 0;
    for (const [kind, names] of [...this.named].sort((a, b) => a[0].localeCompare(b[0]))) {
      const total = [...names.values()].reduce((sum, n) => sum + n, 0);
      const hits = names.get(NAMED_CHANGE[kind]) ?? 0;
      const others = [...names].filter(([name]) => name !== NAMED_CHANGE[kind]).map(([name, n]) => `${name} ${n}`);
      lines.push(`| ${kind} | ${total} | ${hits} | ${others.join(', ') || '-'} |`);
      detected += total;
      right += hits;
    }
    lines.push(`| **all** | ${detected} | ${right} | |`);
    return lines.join('\n');
  }
}
