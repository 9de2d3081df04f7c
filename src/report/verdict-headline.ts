import { percent } from './report-facts.js';

export interface HeadlineVerdict {
  status: 'match' | 'derived' | 'unknown' | 'inconclusive';
  reference: string | null;
  class: readonly string[];
  family: string | null;
  confidence: number;
}

/** The one-line verdict, worded the same by identify, rescore and report. */
export function verdictHeadline(v: HeadlineVerdict, stop: string, alike = 'same counts as'): string {
  const members = v.class.length > 1 ? ` (${alike} ${v.class.filter((id) => id !== v.reference).join(', ')})` : '';
  switch (v.status) {
    case 'match':
      return `match: ${v.reference}${members}, family ${v.family}, confidence ${percent(v.confidence)}`;
    case 'derived':
      return `derived: a modified ${v.reference} tokenizer${members}, family ${v.family}, confidence ${percent(v.confidence)}`;
    case 'unknown':
      return `unknown: no indexed tokenizer fits, confidence ${percent(v.confidence)}`;
    default:
      if (stop === 'usage-count-unstable')
        return 'inconclusive: the target billed different counts for the same request, so its counts cannot name a tokenizer';
      return `inconclusive: the budget ran out before any verdict was sure (${stop})`;
  }
}
