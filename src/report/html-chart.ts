import { percent } from './report-facts.js';
import type { Hypothesis } from '../run/run-report.js';
import { escapeMarkup as x } from './xml-escape.js';

const WIDTH = 880;
const LABEL = 250;
const VALUE = 70;
const ROW = 24;
const BAR = 16;

/**
 * A horizontal bar per hypothesis, and one for "none of the indexed tokenizers", as inline SVG: the
 * report is one file and must draw without scripts or network.
 */
export function posteriorChart(all: readonly Hypothesis[], unknown: number, leader: string | null): string {
  const rows = [
    ...all.map((h) => ({
      label: h.reference,
      note: h.class.length > 1 ? `+${h.class.length - 1} alike` : '',
      value: h.posterior,
      kind: h.reference === leader ? 'leader' : 'other',
      reference: h.reference as string | undefined,
    })),
    { label: 'none of these', note: 'not indexed', value: unknown, kind: 'unknown', reference: undefined },
  ];
  const span = WIDTH - LABEL - VALUE;
  const height = rows.length * ROW + 28;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => {
      const gx = LABEL + t * span;
      return `<line x1="${gx}" y1="0" x2="${gx}" y2="${rows.length * ROW}" class="grid"/><text x="${gx}" y="${rows.length * ROW + 18}" class="axis" text-anchor="middle">${t * 100}%</text>`;
    })
    .join('');
  const bars = rows
    .map((row, i) => {
      const y = i * ROW;
      // no bar for a row without a probability (a white-box run's candidates)
      const w = Number.isFinite(row.value) ? Math.max(row.value > 0 ? 1 : 0, row.value * span) : 0;
      const attrs =
        row.reference !== undefined
          ? `class="bar ${row.kind}" data-reference="${x(row.reference)}"`
          : 'class="bar-unknown"';
      return (
        `<g ${attrs}${Number.isFinite(row.value) ? ` data-posterior="${row.value}"` : ''}><title>${x(`${row.label}: ${percent(row.value)}`)}</title>` +
        `<text x="${LABEL - 10}" y="${y + BAR - 3}" class="label${row.kind === 'leader' ? ' strong' : ''}" text-anchor="end">${x(row.label)}${row.note ? ` <tspan class="note">${x(row.note)}</tspan>` : ''}</text>` +
        `<rect x="${LABEL}" y="${y + (ROW - BAR) / 2 - 2}" width="${w.toFixed(1)}" height="${BAR}" rx="3" class="fill ${row.kind}"/>` +
        `<text x="${LABEL + w + 6}" y="${y + BAR - 3}" class="value">${percent(row.value)}</text></g>`
      );
    })
    .join('');
  return `<svg class="posterior-chart" role="img" aria-label="Probability of each indexed tokenizer" viewBox="0 0 ${WIDTH} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">${grid}${bars}</svg>`;
}
