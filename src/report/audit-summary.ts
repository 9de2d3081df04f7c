import { relative } from 'node:path';
import type { AuditResult, AuditTargetResult } from '../run/audit-result.js';
import { auditCountsLine, auditRow } from './audit-rows.js';
import { revealInvisible } from './visible-text.js';
import { escapeMarkup } from './xml-escape.js';

/** Where a target's own report is, relative to the summary: its HTML report, else its markdown one, else its run. */
function reportLink(t: AuditTargetResult, outDir: string): string | undefined {
  const page = t.reports.find((p) => p.endsWith('.html')) ?? t.reports.find((p) => p.endsWith('.md')) ?? t.run;
  return page ? relative(outDir, page).split('\\').join('/') : undefined;
}

const COLUMNS = [
  'result',
  'target',
  'found',
  'expected',
  'confidence',
  'requests',
  'tokens',
  'flags',
  'noise',
] as const;

/** The audit as a markdown table linking each target's run report. */
export function renderAuditMarkdown(result: AuditResult, outDir: string): string {
  const cell = (text: string) =>
    revealInvisible(text)
      .replace(/\s+/g, ' ')
      .replace(/([\\|`*_[\]<>])/g, '\\$1') || ' ';
  const lines = result.targets.map((t) => {
    const row = auditRow(t);
    const link = reportLink(t, outDir);
    const cells = COLUMNS.map((c) => cell(row[c]));
    if (link) cells[1] = `[${cells[1]}](${encodeURI(link)})`;
    return `| ${cells.join(' | ')} |`;
  });
  return [
    '# tokprint audit',
    '',
    ...(result.description ? [cell(result.description), ''] : []),
    `${auditCountsLine(result)}; started ${result.startedAt}.`,
    '',
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map(() => ' --- ').join('|')}|`,
    ...lines,
    '',
  ].join('\n');
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","Noto Sans Devanagari",sans-serif;margin:2rem;color:#1b1f24}
table{border-collapse:collapse}th,td{border-bottom:1px solid #d0d7de;padding:.35rem .6rem;text-align:left;vertical-align:top}
.PASS{color:#1a7f37;font-weight:600}.FAIL,.ERROR{color:#cf222e;font-weight:600}.INCONCLUSIVE{color:#9a6700;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}`;

/** The audit as one HTML page: the counts, then a row per target linking its own run report. */
export function renderAuditHtml(result: AuditResult, outDir: string): string {
  const rows = result.targets.map((t) => {
    const row = auditRow(t);
    const link = reportLink(t, outDir);
    const target = link
      ? `<a href="${escapeMarkup(encodeURI(link))}">${escapeMarkup(row.target)}</a>`
      : escapeMarkup(row.target);
    return `<tr><td class="${row.result}">${row.result}</td><td>${target}</td><td>${escapeMarkup(row.found)}</td><td>${escapeMarkup(row.expected)}</td><td class="n">${row.confidence}</td><td class="n">${row.requests}</td><td class="n">${row.tokens}</td><td>${escapeMarkup(row.flags)}</td><td>${escapeMarkup(row.noise)}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>tokprint audit: ${escapeMarkup(auditCountsLine(result))}</title><style>${STYLE}</style></head>
<body><h1>tokprint audit</h1>
${result.description ? `<p>${escapeMarkup(result.description)}</p>\n` : ''}<p>${escapeMarkup(auditCountsLine(result))}; started ${escapeMarkup(result.startedAt)}. Each target is a full identify run; its link opens that run's own report.</p>
<table><thead><tr>${COLUMNS.map((c) => `<th>${c}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
</body></html>
`;
}
