import type { Posterior } from '../scoring/posterior.js';
import { rankedGroups } from '../scoring/verdict.js';
import { percent } from './report-facts.js';

/** Where a run stands after an answer: its count requests so far, the prompt tokens they were billed, its posterior. */
export interface ProgressFacts {
  requests: number;
  maxQueries: number;
  promptTokens: number;
  /** The posterior the run itself scored, fused with its channels when it reads any. */
  posterior: Posterior;
}

/** The progress text after each answer: requests so far against the budget, tokens spent, who leads. */
export function progressText(facts: ProgressFacts): string {
  const leader = rankedGroups(facts.posterior)[0];
  const lead =
    leader && facts.requests > 1
      ? `, leader ${leader.group.references[0]} ${percent(leader.match + leader.derived)}`
      : '';
  return `request ${facts.requests}/${facts.maxQueries}, ${facts.promptTokens.toLocaleString('en-US')} prompt tokens${lead}`;
}

/** The progress text while a reference tokenizer loads for the answer channels to compare with. */
export function encoderText(referenceId: string, loaded: number, planned: number): string {
  return `loading reference tokenizer ${referenceId} for the answer channels (${loaded + 1} of ${Math.max(planned, loaded + 1)} planned)`;
}

/**
 * A progress line, redrawn in place after each answer and cleared at the end; `write` is given only
 * where the line belongs (a terminal, not --quiet), so logs and pipes stay clean.
 */
export function progressLine(write: ((text: string) => void) | undefined): {
  update(facts: ProgressFacts): void;
  encoder(referenceId: string, loaded: number, planned: number): void;
  done(): void;
} {
  if (!write) return { update: () => {}, encoder: () => {}, done: () => {} };
  let shown = false;
  const show = (text: string) => {
    write(`\r\u001b[2Ktokprint: ${text}`);
    shown = true;
  };
  return {
    update: (facts) => show(progressText(facts)),
    encoder: (referenceId, loaded, planned) => show(encoderText(referenceId, loaded, planned)),
    done() {
      if (shown) write('\r\u001b[2K');
    },
  };
}
