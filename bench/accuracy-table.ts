export interface ReferenceTally {
  id: string;
  closed: { correct: number; total: number };
  open: { falseMatch: number; derived: number; unknown: number; inconclusive: number; total: number };
  derived: { detected: number; invisible: number; total: number };
  queries: number[];
  promptTokens: number[];
}

export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');
/** Median / max of a section's runs, or "-" when that section did not run. */
const spread = (values: readonly number[]) => (values.length ? `${median(values)} / ${Math.max(...values)}` : '-');

/** One markdown table: a row per reference and a total row; closed-set queries and tokens. */
export function accuracyTable(tallies: readonly ReferenceTally[]): string {
  const header =
    '| reference | closed-set correct | open-set false match | open-set unknown / derived / inconclusive | derived detected (right family) | median / max queries | median prompt tokens |';
  const rule = '|---|---|---|---|---|---|---|';
  const row = (t: ReferenceTally) =>
    `| ${t.id} | ${pct(t.closed.correct, t.closed.total)} (${t.closed.correct}/${t.closed.total}) | ${pct(t.open.falseMatch, t.open.total)} (${t.open.falseMatch}/${t.open.total}) | ${t.open.unknown} / ${t.open.derived} / ${t.open.inconclusive} | ${t.derived.total ? `${pct(t.derived.detected, t.derived.total)} (${t.derived.detected}/${t.derived.total})` : '-'} | ${spread(t.queries)} | ${t.promptTokens.length ? median(t.promptTokens) : '-'} |`;
  const sum = (pick: (t: ReferenceTally) => number) => tallies.reduce((s, t) => s + pick(t), 0);
  const total: ReferenceTally = {
    id: '**all**',
    closed: { correct: sum((t) => t.closed.correct), total: sum((t) => t.closed.total) },
    open: {
      falseMatch: sum((t) => t.open.falseMatch),
      derived: sum((t) => t.open.derived),
      unknown: sum((t) => t.open.unknown),
      inconclusive: sum((t) => t.open.inconclusive),
      total: sum((t) => t.open.total),
    },
    derived: {
      detected: sum((t) => t.derived.detected),
      invisible: sum((t) => t.derived.invisible),
      total: sum((t) => t.derived.total),
    },
    queries: tallies.flatMap((t) => t.queries),
    promptTokens: tallies.flatMap((t) => t.promptTokens),
  };
  return [header, rule, ...tallies.map(row), row(total)].join('\n');
}
