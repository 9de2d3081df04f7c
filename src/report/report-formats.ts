import { UserError } from '../util/errors.js';
import { renderCycloneDx } from './render-cyclonedx.js';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderJunit } from './render-junit.js';
import { renderMarkdown } from './render-markdown.js';
import type { RunReport } from '../run/run-report.js';

export interface ReportFormat {
  render(report: RunReport): string;
  /** The file name a run directory keeps it under. */
  file: string;
  /** Shows the strongest probes' token splits, which need the reference tokenizers loaded. */
  splits: boolean;
}

export const REPORT_FORMATS = {
  html: { render: renderHtml, file: 'report.html', splits: true },
  md: { render: renderMarkdown, file: 'report.md', splits: true },
  json: { render: renderJson, file: 'report.json', splits: true },
  cyclonedx: { render: renderCycloneDx, file: 'report.cdx.json', splits: false },
  junit: { render: renderJunit, file: 'report.junit.xml', splits: false },
} satisfies Record<string, ReportFormat>;

export type ReportFormatName = keyof typeof REPORT_FORMATS;

export const FORMAT_NAMES = Object.keys(REPORT_FORMATS) as ReportFormatName[];

function isFormat(name: string): name is ReportFormatName {
  return Object.hasOwn(REPORT_FORMATS, name);
}

/**
 * `html,md` or `all` into format names, refusing unknown ones with the list of known ones; `also` names formats the
 * caller takes itself (`report --format text`, the terminal's).
 */
export function parseFormats(list: string, also: readonly string[] = []): ReportFormatName[] {
  const names = list
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  if (names.includes('all')) return FORMAT_NAMES;
  const unknown = names.filter((n) => !isFormat(n));
  if (unknown.length || !names.length)
    throw new UserError(
      `unknown report format "${unknown[0] ?? list}" (expected ${[...FORMAT_NAMES, ...also].join(', ')} or all)`,
    );
  return [...new Set(names)] as ReportFormatName[];
}
