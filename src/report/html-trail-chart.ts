import { evidenceRows, hypotheses, signed } from './report-facts.js';
import type { RunReport } from './run-report.js';
import { escapeMarkup as x } from './xml-escape.js';

const WIDTH = 880;
const HEIGHT = 300;
const PAD = { left: 56, right: 190, top: 14, bottom: 40 };
/** Log10 odds beyond this are drawn at the edge: a million to one either way is as sure as a reader needs. */
const CLAMP = 6;
const LEADERS = 4;
/** Colours a reader with the commonest colour-vision deficiencies still tells apart (Okabe-Ito). */
export const SERIES = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00'];

interface Series {
  label: string;
  points: { requests: number; value: number }[];
  kind: 'hypothesis' | 'unknown';
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The recorded trail's points that hold numbers, in request order (verdict.json is a file a person may edit). */
function trailSeries(report: RunReport): Series[] {
  const trail = (Array.isArray(report.verdict.trail) ? report.verdict.trail : []).filter(
    (p) => p && finite(p.requests) && p.logOdds && typeof p.logOdds === 'object',
  );
  if (trail.length < 2) return [];
  const leaders = hypotheses(report)
    .slice(0, LEADERS)
    .map((h) => h.reference)
    .filter((ref) => trail.some((p) => finite(p.logOdds[ref])));
  const series: Series[] = leaders.map((ref) => ({
    label: ref,
    kind: 'hypothesis',
    points: trail.flatMap((p) => (finite(p.logOdds[ref]) ? [{ requests: p.requests, value: p.logOdds[ref] }] : [])),
  }));
  series.push({
    label: 'none of these',
    kind: 'unknown',
    points: trail.flatMap((p) => (finite(p.unknown) ? [{ requests: p.requests, value: p.unknown }] : [])),
  });
  return series;
}

function oddsWords(v: number): string {
  if (v === 0) return 'even';
  const n = 10 ** Math.abs(v);
  return v > 0 ? `${n.toLocaleString('en-US')} to 1 for` : `${n.toLocaleString('en-US')} to 1 against`;
}

/**
 * The leading hypotheses' odds after each request, on a log scale: a line rising to the top is a
 * tokenizer the evidence came to favour, one falling away is ruled out. Inline SVG, no script.
 */
export function trailChart(report: RunReport): string {
  const series = trailSeries(report);
  if (!series.length) return '';
  const maxRequests = Math.max(...series.flatMap((s) => s.points.map((p) => p.requests)));
  const minRequests = Math.min(...series.flatMap((s) => s.points.map((p) => p.requests)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const px = (r: number) =>
    PAD.left + (maxRequests === minRequests ? 0 : ((r - minRequests) / (maxRequests - minRequests)) * plotW);
  const py = (v: number) => PAD.top + ((CLAMP - Math.max(-CLAMP, Math.min(CLAMP, v))) / (2 * CLAMP)) * plotH;
  const ticks = [-6, -3, 0, 3, 6]
    .map(
      (t) =>
        `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${py(t)}" y2="${py(t)}" class="grid${t === 0 ? ' even' : ''}"/>` +
        `<text x="${PAD.left - 8}" y="${py(t) + 4}" class="axis" text-anchor="end">${t === 0 ? 'even' : t > 0 ? `10${sup(t)}:1` : `1:10${sup(-t)}`}</text>`,
    )
    .join('');
  const xTicks = Array.from({ length: maxRequests - minRequests + 1 }, (_, i) => minRequests + i)
    .map((r) => `<text x="${px(r)}" y="${PAD.top + plotH + 18}" class="axis" text-anchor="middle">${r}</text>`)
    .join('');
  const labelsAt: number[] = [];
  const lines = series
    .map((s, i) => {
      const colour = s.kind === 'unknown' ? '#4a5568' : SERIES[i % SERIES.length];
      const path = s.points
        .map((p, j) => `${j ? 'L' : 'M'}${px(p.requests).toFixed(1)},${py(p.value).toFixed(1)}`)
        .join('');
      const last = s.points.at(-1)!;
      // end labels pushed apart so they do not overprint
      let ly = py(last.value) + 4;
      while (labelsAt.some((y) => Math.abs(y - ly) < 14)) ly += 14;
      labelsAt.push(ly);
      const dots = s.points
        .map(
          (p) =>
            `<circle cx="${px(p.requests).toFixed(1)}" cy="${py(p.value).toFixed(1)}" r="3.5" fill="${colour}"><title>${x(`${s.label} after request ${p.requests}: ${oddsWords(p.value)}`)}</title></circle>`,
        )
        .join('');
      return `<g class="series ${s.kind}" data-reference="${x(s.label)}" data-final="${last.value}"><path d="${path}" fill="none" stroke="${colour}" stroke-width="2.5"${s.kind === 'unknown' ? ' stroke-dasharray="5 4"' : ''}/>${dots}<text x="${px(last.requests) + 10}" y="${ly}" class="end-label" fill="${colour}">${x(s.label)}</text></g>`;
    })
    .join('');
  return `<svg class="trail-chart" role="img" aria-label="Odds of the leading tokenizers after each request" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" xmlns="http://www.w3.org/2000/svg">${ticks}${xTicks}<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 4}" class="axis" text-anchor="middle">requests sent</text>${lines}</svg>`;
}

function sup(n: number): string {
  return String(n).replace(/\d/g, (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]);
}

/**
 * Per probe pack, how far each leader's prediction is from the tokens billed: a dot on the middle line is an
 * exact match; a leader whose dots scatter is ruled out. Differences beyond ±RANGE are drawn at the edge.
 */
export function residualChart(report: RunReport, leaders = 3): string {
  const { references, rows } = evidenceRows(report, leaders);
  if (!rows.length) return '';
  const RANGE = 20;
  const W = WIDTH;
  const H = 240;
  const pad = { left: 56, right: 190, top: 14, bottom: 40 };
  const plotW = W - pad.left - pad.right;
  const plotH = H - pad.top - pad.bottom;
  const step = plotW / rows.length;
  const py = (d: number) => pad.top + ((RANGE - Math.max(-RANGE, Math.min(RANGE, d))) / (2 * RANGE)) * plotH;
  const grid = [-RANGE, -10, 0, 10, RANGE]
    .map(
      (t) =>
        `<line x1="${pad.left}" x2="${pad.left + plotW}" y1="${py(t)}" y2="${py(t)}" class="grid${t === 0 ? ' even' : ''}"/><text x="${pad.left - 8}" y="${py(t) + 4}" class="axis" text-anchor="end">${t === 0 ? 'billed' : `${Math.abs(t) === RANGE ? (t > 0 ? '≥' : '≤') : ''}${signed(t)}`}</text>`,
    )
    .join('');
  const packs = rows
    .map((row, i) => {
      const cx = pad.left + step * (i + 0.5);
      const dots = row.cells
        .map((cell, j) => {
          if (cell.predicted === undefined) return '';
          const off = cell.predicted - row.observed;
          const dx = (j - (row.cells.length - 1) / 2) * 9;
          return `<circle cx="${(cx + dx).toFixed(1)}" cy="${py(off).toFixed(1)}" r="4.5" fill="${SERIES[j % SERIES.length]}" class="${off === 0 ? 'exact' : 'off'}"><title>${x(`request #${row.seq}: ${cell.reference} predicts ${signed(cell.predicted)}, billed ${signed(row.observed)} (${off === 0 ? 'exact' : `off by ${signed(off)}`})`)}</title></circle>`;
        })
        .join('');
      return `<g class="pack"><text x="${cx}" y="${pad.top + plotH + 18}" class="axis" text-anchor="middle">#${row.seq}</text>${dots}</g>`;
    })
    .join('');
  const legend = references
    .map(
      (ref, j) =>
        `<g class="legend"><circle cx="${pad.left + plotW + 20}" cy="${pad.top + 10 + j * 18}" r="5" fill="${SERIES[j % SERIES.length]}"/><text x="${pad.left + plotW + 30}" y="${pad.top + 14 + j * 18}" class="end-label">${x(ref)}</text></g>`,
    )
    .join('');
  return `<svg class="residual-chart" role="img" aria-label="Predicted minus billed tokens per probe pack, for the leading tokenizers" viewBox="0 0 ${W} ${H}" width="100%" xmlns="http://www.w3.org/2000/svg">${grid}${packs}${legend}<text x="${pad.left + plotW / 2}" y="${H - 4}" class="axis" text-anchor="middle">probe pack (request)</text></svg>`;
}
