import { percent } from './report-facts.js';

export interface HeadlineVerdict {
  status: 'match' | 'derived' | 'unknown' | 'inconclusive';
  reference: string | null;
  class: readonly string[];
  family: string | null;
  confidence: number;
  nearest?: readonly { reference: string; tokensOff: number; packs: number }[];
  change?: string;
  twins?: readonly string[];
}

/** "nearest deepseek-v3, 37 tokens off over 3 packs", or nothing when no pack was sent. */
function nearestText(v: HeadlineVerdict): string {
  const [first] = v.nearest ?? [];
  if (!first) return '';
  const packs = `${first.packs} pack${first.packs === 1 ? '' : 's'}`;
  return `; nearest ${first.reference}, ${first.tokensOff} token${first.tokensOff === 1 ? '' : 's'} off over ${packs}`;
}

/** The one-line verdict, worded the same by identify, rescore and report. */
export function verdictHeadline(v: HeadlineVerdict, stop: string, alike = 'same counts as'): string {
  const twins = v.twins ?? [];
  const same = v.class.filter((id) => id !== v.reference && !twins.includes(id));
  const members = same.length ? ` (${alike} ${same.join(', ')})` : '';
  const undivided = twins.length ? ` or ${twins.join(' or ')} (not told apart within the budget)` : '';
  switch (v.status) {
    case 'match':
      return `match: ${v.reference}${members}${undivided}, family ${v.family}, confidence ${percent(v.confidence)}`;
    case 'derived':
      return `derived: a modified ${v.reference} tokenizer${members}${undivided}${v.change ? ` (${v.change})` : ''}, family ${v.family}, confidence ${percent(v.confidence)}`;
    case 'unknown':
      return `unknown: none of the indexed families${nearestText(v)}, confidence ${percent(v.confidence)}`;
    default:
      if (stop === 'usage-count-unstable')
        return 'inconclusive: the target billed different counts for the same request, so its counts cannot name a tokenizer';
      return `inconclusive: the budget ran out before any verdict was sure (${stop})${nearestText(v)}`;
  }
}
