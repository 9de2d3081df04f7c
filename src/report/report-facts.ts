import type { Hypothesis, RecordedRequest, RunReport } from '../run/run-report.js';
import { flagNotes, type FlagNote } from './verdict-flags.js';
import { identicalClass, whiteBoxRows } from './white-box-facts.js';
import { noiseFacts } from './noise-line.js';
import { spentLimit } from '../scoring/spent-limit.js';
import { leaningSummary, seenTokensDisputed } from './verdict-headline.js';

/** The run's verdict flags in plain words, with why a channel was set aside when the run says. */
export function reportFlags(report: RunReport): FlagNote[] {
  const verdict = report.verdict as {
    verdict: { flags?: string[] };
    unstable?: string;
    channels?: { consistency?: { trusted?: { reason?: string }; reason?: string } };
  };
  return flagNotes(
    verdict.verdict.flags,
    verdict.channels?.consistency?.trusted?.reason ?? verdict.channels?.consistency?.reason ?? verdict.unstable,
  );
}

import { percent } from './percent.js';

export { percent };

export function signed(n: number): string {
  return n >= 0 ? `+${n}` : `${n}`;
}

/** A run that compared tokenizer files (white-box) rather than sending requests. */
export function isWhiteBox(report: RunReport): boolean {
  return report.settings.method === 'white-box' || report.settings.target.startsWith('tokenizer:');
}

/** The verdict in words a non-specialist reads: what was found, how sure, what it shows and what it does not. */
export interface PlainVerdict {
  status: string;
  headline: string;
  /** Which reference tokenizer, and the models known to use it. */
  detail: string;
  confidence: string;
  certainty: string;
  proves: string;
  doesNotProve: string;
}

function certaintyWords(confidence: number): string {
  if (confidence >= 0.99) return 'near certain';
  if (confidence >= 0.95) return 'very likely';
  if (confidence >= 0.9) return 'likely';
  return 'not sure';
}

export function plainVerdict(report: RunReport): PlainVerdict {
  if (isWhiteBox(report)) return whiteBoxVerdict(report);
  const v = report.verdict.verdict;
  const name = v.reference;
  const detail = v.reference
    ? `reference tokenizer ${v.reference}, family ${v.family}${v.models.length ? `; models known to use it: ${v.models.join(', ')}` : ''}`
    : '';
  const sameCounts = v.twins?.length
    ? ` The tokenizers ${v.class.join(', ')} are one family; the evidence did not tell them apart within the budget, so all are named.`
    : v.class.length > 1
      ? ` The tokenizers ${v.class.join(', ')} count every probe alike, so they cannot be told apart here.`
      : '';
  const lineageLimit =
    'Which fine-tune, version or size of the model this is, whether its weights were changed, or who serves it: fine-tuning changes the weights but keeps the tokenizer.';
  const base = { status: v.status, detail, confidence: percent(v.confidence), certainty: certaintyWords(v.confidence) };
  switch (v.status) {
    case 'match':
      return {
        ...base,
        headline: `Built on the ${name} tokenizer`,
        proves: `The product counts text exactly as the ${v.reference} tokenizer does, so the model behind it descends from a base model that uses that tokenizer (family ${v.family}).${sameCounts}`,
        doesNotProve: lineageLimit,
      };
    case 'derived':
      return {
        ...base,
        headline: `Built on a modified ${name} tokenizer`,
        proves: `The product's counts fit the ${v.reference} tokenizer where a changed copy of it counts alike and stray where the change shows (in its counts, or in tokens seen in its answers that the tokenizer lacks): it starts from that tokenizer (family ${v.family}) with tokens added or changed.${sameCounts}`,
        doesNotProve: `${lineageLimit} Nor who changed the tokenizer.`,
      };
    case 'unknown':
      return {
        ...base,
        headline: 'Built on a tokenizer tokprint does not know',
        proves: `None of the ${report.verdict.hypotheses?.length ?? report.verdict.candidates.length} indexed tokenizers counts text like this product.`,
        doesNotProve:
          'What the product is built on: only that its tokenizer is outside the index, or changed beyond recognition.',
      };
    default:
      if (report.verdict.stop === 'usage-count-unstable') {
        return {
          ...base,
          confidence: '—',
          certainty: 'no verdict',
          headline: 'No verdict: the product bills different counts for the same request',
          proves:
            'The same request, sent twice, was billed two different prompt counts: the counts are noisy or a hidden prompt changes between requests, so they cannot tell tokenizers apart.',
          doesNotProve:
            'Anything about the product. Run again with --stream or --logprobs where the API gives them: tokens seen in the answers do not depend on its counts.',
        };
      }
      return {
        ...base,
        detail: leaningSummary(v, report.verdict.candidates[0]),
        confidence: '—',
        certainty: 'no verdict',
        headline: 'No verdict: the evidence was not strong enough',
        proves: seenTokensDisputed(v)
          ? `The prompt counts and the tokens seen in the answers name different tokenizers, and the run ended (${report.verdict.stop}) before they agreed; the leading candidates are listed below.`
          : `The budget ran out (${report.verdict.stop}) before any answer was sure enough${noiseReasonText(report)}; the leading candidates are listed below.`,
        doesNotProve: `Anything about the product yet. ${moreBudgetAdvice(report)}`,
      };
  }
}

/** Why the counts' noise kept the run from a verdict, as the noise line words it, after a colon; or nothing. */
function noiseReasonText(report: RunReport): string {
  const reason = noiseFacts(report.verdict.noise)?.shownReason;
  return reason ? `: ${reason}` : '';
}

/** What to raise for another try: the limit the run stopped at (see spentLimit). */
export function moreBudgetAdvice(report: RunReport): string {
  const { stop, noise } = report.verdict;
  const flag = spentLimit(stop, report.settings.budget, noise);
  if (flag === '--noise-queries')
    return `Run again, or go on with --resume, with a larger --noise-queries: identical requests were billed differently, and the run stopped at that limit (${report.settings.budget.noiseQueries} requests).`;
  if (flag) return `Run again, or go on with --resume, with a larger ${flag}.`;
  if (stop === 'no-informative-request')
    return 'Every probe in the index was sent, so a larger budget alone does not help.';
  return 'Run again with a larger --max-queries or --max-prompt-tokens.';
}

/** The verdict of a white-box run: the files were compared, so it speaks of vocabulary, not of counts. */
function whiteBoxVerdict(report: RunReport): PlainVerdict {
  const v = report.verdict.verdict;
  const rows = whiteBoxRows(report);
  const chosen = rows.find((r) => r.reference === v.reference);
  const detail = v.reference
    ? `reference tokenizer ${v.reference}, family ${v.family}${v.models.length ? `; models known to use it: ${v.models.join(', ')}` : ''}`
    : '';
  const same = identicalClass(report);
  const alike =
    same.length > 1
      ? ` The indexed tokenizers ${same.join(', ')} have the same vocabulary, so they cannot be told apart here.`
      : '';
  const lineageLimit =
    'Which model these files ship with, or which fine-tune, version or size of it: fine-tuning changes the weights but keeps the tokenizer. Nor whether a product serves a model with this tokenizer.';
  const base = { status: v.status, detail, confidence: percent(v.confidence), certainty: certaintyWords(v.confidence) };
  if (v.status === 'match')
    return {
      ...base,
      headline: `The ${v.reference} tokenizer`,
      proves: `The files have the vocabulary, merges and segmentation of the indexed ${v.reference} tokenizer (family ${v.family}), so a model that uses them descends from a base model with that tokenizer.${alike}`,
      doesNotProve: lineageLimit,
    };
  if (v.status === 'derived')
    return {
      ...base,
      headline: `A modified ${v.reference} tokenizer`,
      proves: `The files start from the indexed ${v.reference} tokenizer (family ${v.family}) with changes${chosen?.comparison ? `: ${chosen.comparison.replace(/^[a-z]+: /, '')}` : ''}.${alike}`,
      doesNotProve: `${lineageLimit} Nor who changed the tokenizer.`,
    };
  const closest = rows[0];
  return {
    ...base,
    headline: 'A tokenizer tokprint does not know',
    proves: `None of the ${rows.length} indexed tokenizers is the same as these files or their base${closest && Number.isFinite(closest.shared) ? `; the closest, ${closest.reference}, has ${percent(closest.shared)} of the two vocabularies in common` : ''}.`,
    doesNotProve: 'What the tokenizer descends from: only that it is outside the index, or changed beyond recognition.',
  };
}

/** The hypotheses a report charts: every one recorded, or the top candidates for runs that kept only those. */
export function hypotheses(report: RunReport): Hypothesis[] {
  if (report.verdict.hypotheses?.length) return report.verdict.hypotheses;
  // A white-box run's candidates name their class by id (a string) and carry a similarity, not a posterior:
  // charted as the reference alone, with no probability, rather than "+5 alike" and NaN%.
  return report.verdict.candidates.map((c) => ({
    ...c,
    class: Array.isArray(c.class) ? c.class : [c.reference],
    posterior: typeof c.posterior === 'number' ? c.posterior : Number.NaN,
    models: [],
    predicted: [],
  }));
}

export interface EvidenceCell {
  reference: string;
  /** Tokens the probes add over the bare frame under this hypothesis; undefined when not recorded. */
  predicted?: number;
  matched?: boolean;
}

export interface EvidenceRow {
  seq: number;
  stratum: string;
  probes: number;
  /** Billed tokens over the bare frame's. */
  observed: number;
  cells: EvidenceCell[];
}

/** A request a channel asked for after a pack (e.g. the pack's text asked back), or the frame sent again. */
export interface FollowUpRow {
  seq: number;
  /** The pack request it follows or asks again; absent for the frame sent again to check the counts. */
  of?: number;
  what: 'follow-up' | 'frame check' | 'stray check';
}

/**
 * Each probe pack against the leading hypotheses: what the target billed over the bare frame and
 * what each reference's counts predict. A pack matches a reference when the two are equal. Predictions
 * are kept per count request, so each pack is paired with its own (by its observation), never with a
 * follow-up's; the follow-ups are listed apart, in the order they were sent.
 */
export function evidenceRows(
  report: RunReport,
  columns = 5,
): { references: string[]; rows: EvidenceRow[]; followUps: FollowUpRow[] } {
  const shown = hypotheses(report).slice(0, columns);
  const references = shown.map((h) => h.reference);
  const counts = report.requests
    .filter((r) => r.promptTokens !== undefined && r.observation !== undefined)
    .sort((a, b) => a.observation! - b.observation!);
  const frame = counts.find((r) => r.stratum === 'frame' || r.probes === 0);
  if (!frame) return { references, rows: [], followUps: [] };
  const at = (r: RecordedRequest) => r.observation! - 1;
  const rows = counts.flatMap((request) => {
    if (request === frame) return [];
    const observed = request.promptTokens! - frame.promptTokens!;
    const k = at(request);
    const cells = shown.map((h): EvidenceCell => {
      if (h.predicted.length > k) {
        const predicted = h.predicted[k] - h.predicted[at(frame)];
        return { reference: h.reference, predicted, matched: predicted === observed };
      }
      const recorded = report.verdict.evidence.find((e) => e.request === request.observation);
      const line = [recorded?.best, recorded?.runnerUp].find((p) => p?.reference === h.reference);
      return line
        ? { reference: h.reference, predicted: line.predicted, matched: line.predicted === observed }
        : { reference: h.reference };
    });
    return [{ seq: request.seq, stratum: request.stratum ?? '', probes: request.probes ?? 0, observed, cells }];
  });
  const followUps = report.requests.flatMap((r): FollowUpRow[] =>
    r.frameCheck
      ? [{ seq: r.seq, what: 'frame check' }]
      : r.strayCheckOf !== undefined
        ? [{ seq: r.seq, of: r.strayCheckOf, what: 'stray check' }]
        : r.followUpOf !== undefined
          ? [{ seq: r.seq, of: r.followUpOf, what: 'follow-up' }]
          : [],
  );
  return { references, rows, followUps };
}

/**
 * The number a request was sent under, from the number of its observation: the verdict numbers the count
 * requests alone, the run every request it sent (follow-ups too), and reports show the run's numbers.
 */
export function sentAs(report: RunReport, observation: number): number {
  return report.requests.find((r) => r.observation === observation)?.seq ?? observation;
}

/** Pack rows and follow-ups together, in the order the requests were sent. */
export function inSeqOrder(
  rows: readonly EvidenceRow[],
  followUps: readonly FollowUpRow[],
): (EvidenceRow | FollowUpRow)[] {
  return [...rows, ...followUps].sort((a, b) => a.seq - b.seq);
}
