import { percent } from './percent.js';
import type { RunReport } from './run-report.js';

/** One indexed reference as a white-box run compared it with the tokenizer files. */
export interface WhiteBoxRow {
  reference: string;
  family: string;
  /** The fingerprint's word for the likeness: identical, derived, overlapping or unrelated. */
  likeness: string;
  /** Share of the two vocabularies' union that both hold (Jaccard), from the fingerprint. */
  shared: number;
  /** The full comparison's one-line summary, for the closest classes only. */
  comparison?: string;
}

interface RecordedCandidate {
  reference?: unknown;
  family?: unknown;
  similarity?: { likely?: unknown; jaccard?: unknown } | null;
  comparison?: { summary?: unknown } | null;
}

const text = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const share = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN);

/**
 * The candidates a white-box run recorded, closest first. Read field by field: verdict.json is a file a
 * person may have edited, and a report of it must not fail on a missing or mistyped part.
 */
export function whiteBoxRows(report: RunReport): WhiteBoxRow[] {
  return (report.verdict.candidates as unknown[]).map((raw) => {
    const c = (raw ?? {}) as RecordedCandidate;
    const summary = text(c.comparison?.summary);
    return {
      reference: text(c.reference, '?'),
      family: text(c.family),
      likeness: text(c.similarity?.likely, '—'),
      shared: share(c.similarity?.jaccard),
      ...(summary && { comparison: summary }),
    };
  });
}

/** "62.5% shared" or "—", in the one percent format every report uses. */
export function sharedText(row: WhiteBoxRow): string {
  return Number.isFinite(row.shared) ? `${percent(row.shared)} shared` : '—';
}

export const WHITE_BOX_METHOD =
  'The tokenizer files were read and compared with every indexed reference tokenizer: first by a fingerprint of the vocabulary, then in full (vocabulary, merges, special tokens and how sample texts are split) for the closest ones. No request was sent anywhere.';
