import { percent } from './percent.js';
import type { RunReport } from '../run/run-report.js';

/** One indexed reference as a white-box run compared it with the tokenizer files. */
export interface WhiteBoxRow {
  reference: string;
  family: string;
  /**
   * The one word for the likeness, used everywhere the reference is named: the full comparison's verdict
   * (identical, derived or unrelated) where one was made, the fingerprint's estimate otherwise.
   */
  likeness: string;
  /** Share of the two vocabularies' union that both hold (Jaccard), from the fingerprint: the one measure shown. */
  shared: number;
  /** The full comparison's one-line summary, for the closest classes only. */
  comparison?: string;
}

interface RecordedCandidate {
  reference?: unknown;
  family?: unknown;
  similarity?: { likely?: unknown; jaccard?: unknown } | null;
  comparison?: { summary?: unknown; verdict?: unknown } | null;
}

const text = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const share = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN);

const CLOSENESS: Record<string, number> = { identical: 3, derived: 2, overlapping: 1, unrelated: 0 };

/** Higher shared first (unknown last); at equal share, the closer likeness first; otherwise as recorded. */
function byShared(x: WhiteBoxRow, y: WhiteBoxRow): number {
  const xs = Number.isFinite(x.shared) ? x.shared : -1;
  const ys = Number.isFinite(y.shared) ? y.shared : -1;
  return ys - xs || (CLOSENESS[y.likeness] ?? -1) - (CLOSENESS[x.likeness] ?? -1);
}

/**
 * Recorded white-box candidates as rows, sorted by the share shown. Read field by field: verdict.json is a
 * file a person may have edited, and a report of it must not fail on a missing or mistyped part.
 */
export function whiteBoxRowsOf(candidates: readonly unknown[]): WhiteBoxRow[] {
  return candidates
    .map((raw) => {
      const c = (raw ?? {}) as RecordedCandidate;
      const summary = text(c.comparison?.summary);
      // the full comparison read the files; the fingerprint only estimated what it would say
      const likeness = text(c.comparison?.verdict) || text(c.similarity?.likely, '—');
      return {
        reference: text(c.reference, '?'),
        family: text(c.family),
        likeness,
        shared: share(c.similarity?.jaccard),
        ...(summary && { comparison: summary }),
      };
    })
    .sort(byShared);
}

/** The candidates a white-box run recorded, most vocabulary shared first. */
export function whiteBoxRows(report: RunReport): WhiteBoxRow[] {
  return whiteBoxRowsOf(report.verdict.candidates as unknown[]);
}

/** "62.5% shared" or "—", in the one percent format every report uses. */
export function sharedText(row: WhiteBoxRow): string {
  return Number.isFinite(row.shared) ? `${percent(row.shared)} shared` : '—';
}

/** The full comparison's findings without its leading verdict word, which the row's likeness already says. */
export function comparisonDetail(row: WhiteBoxRow): string {
  return (row.comparison ?? '').replace(/^[a-z]+: /, '');
}

/** "unrelated, 11.7% shared; <what the full comparison found>": the row's label and measure, then the detail. */
export function comparisonLine(row: WhiteBoxRow): string {
  const detail = comparisonDetail(row);
  return `${row.likeness}, ${sharedText(row)}${detail ? `; ${detail}` : ''}`;
}

/**
 * The verdict's class as a white-box headline may name it: the verdict's reference and those members whose
 * row says identical. A member the files differ from (derived, say) is not called the same vocabulary.
 */
export function identicalClass(report: RunReport): string[] {
  const v = report.verdict.verdict;
  const identical = new Set(
    whiteBoxRows(report)
      .filter((r) => r.likeness === 'identical')
      .map((r) => r.reference),
  );
  return v.class.filter((id) => id === v.reference || identical.has(id));
}

export const WHITE_BOX_METHOD =
  'The tokenizer files were read and compared with every indexed reference tokenizer: first by a fingerprint of the vocabulary, then in full (vocabulary, merges, special tokens and how sample texts are split) for the closest ones. No request was sent anywhere.';
