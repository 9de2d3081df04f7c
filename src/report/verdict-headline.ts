import { SEEN_TOKENS_DISPUTED } from '../scoring/channels/fuse.js';
import { percent } from './percent.js';

export interface HeadlineVerdict {
  status: 'match' | 'derived' | 'unknown' | 'inconclusive';
  reference: string | null;
  class: readonly string[];
  family: string | null;
  confidence: number;
  nearest?: readonly { reference: string; tokensOff: number; packs: number }[];
  change?: string;
  twins?: readonly string[];
  flags?: readonly string[];
}

/** The candidate holding the most probability, as the report's table ranks it first. */
export interface LeadingCandidate {
  reference: string;
  /** Its probability, matched and changed together. */
  posterior: number;
  match: number;
  derived: number;
}

/**
 * For an inconclusive run whose table a candidate leads with most of the probability: "leaning mistral-v1 at 84.5%, as a
 * changed copy", so the line does not name only a nearer exact fit that the table ranks lower.
 */
function leaningText(v: HeadlineVerdict, leading: LeadingCandidate | undefined): string {
  const [nearest] = v.nearest ?? [];
  // a recorded candidate without its probability (an older or edited record) leans nowhere
  if (!leading || !(leading.posterior > 0.5)) return nearestText(v);
  const changed = leading.derived > leading.match;
  const lean = `; leaning ${leading.reference} at ${percent(leading.posterior)}${changed ? ', as a changed copy' : ''}`;
  if (!nearest) return lean;
  if (nearest.reference !== leading.reference)
    return `${lean}${nearestText(v).replace('; nearest', '; nearest exact fit')}`;
  // the tokens off are its unchanged counts': a changed copy is off them by its change
  return changed ? `${lean} (its unchanged counts ${tokensOffText(nearest)})` : `${lean}, ${tokensOffText(nearest)}`;
}

const tokensOffText = (first: { tokensOff: number; packs: number }) =>
  `${first.tokensOff} token${first.tokensOff === 1 ? '' : 's'} off over ${first.packs} pack${first.packs === 1 ? '' : 's'}`;

/** "nearest deepseek-v3, 37 tokens off over 3 packs", or nothing when no pack was sent. */
function nearestText(v: HeadlineVerdict): string {
  const [first] = v.nearest ?? [];
  if (!first) return '';
  return `; nearest ${first.reference}, ${tokensOffText(first)}`;
}

/** Whether the run ended while the counts and the tokens seen named different tokenizers (see fuseChannels). */
export function seenTokensDisputed(v: { flags?: readonly string[] }): boolean {
  return v.flags?.includes(SEEN_TOKENS_DISPUTED) ?? false;
}

/**
 * What an inconclusive run leans to and the nearest exact fit, as its headline words them, for reports that give the
 * headline apart: "leaning mistral-v1 at 84.5%, as a changed copy; nearest exact fit baichuan2, ...", or nothing.
 */
export function leaningSummary(v: HeadlineVerdict, leading?: LeadingCandidate): string {
  if (seenTokensDisputed(v)) return nearestText(v).replace(/^; /, '');
  return leaningText(v, leading).replace(/^; /, '');
}

/** The one-line verdict, worded the same by identify, rescore and report. */
export function verdictHeadline(
  v: HeadlineVerdict,
  stop: string,
  alike = 'same counts as',
  leading?: LeadingCandidate,
): string {
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
      // the counts' side leads the table: a leaning would name what the tokens seen dispute
      if (seenTokensDisputed(v))
        return `inconclusive: the counts and the tokens seen in the answers name different tokenizers, and the answers read did not settle which (${stop})${nearestText(v)}`;
      if (stop === 'usage-count-unstable')
        return 'inconclusive: the target billed different counts for the same request, so its counts cannot name a tokenizer';
      return `inconclusive: the budget ran out before any verdict could stand (${stop})${leaningText(v, leading)}`;
  }
}
