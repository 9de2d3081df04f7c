import type { Posterior } from '../scoring/posterior.js';
import { rankedGroups } from '../scoring/verdict.js';
import { percent } from './percent.js';

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

/** Braille frames: one cell wide on every common terminal font. */
export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPIN_MS = 120;

/** The progress text while a request is out and its answer awaited. */
export function waitingText(sent: number, maxQueries: number): string {
  return `request ${sent}/${maxQueries} sent, waiting for the answer`;
}

export interface ProgressLine {
  /** Where the run stands after an answer. */
  update(facts: ProgressFacts): void;
  encoder(referenceId: string, loaded: number, planned: number): void;
  /** Any other wait: the index loading, a request out. */
  status(text: string): void;
  done(): void;
}

/**
 * A progress line on stderr, redrawn in place and cleared at the end; `write` is given only where the line
 * belongs (a terminal, not --quiet, not --json), so logs and pipes stay clean. A spinner redraws it on a
 * timer, so it moves while an answer is awaited, not only when one arrives; the timer never keeps the
 * process alive.
 */
export function progressLine(write: ((text: string) => void) | undefined): ProgressLine {
  if (!write) return { update: () => {}, encoder: () => {}, status: () => {}, done: () => {} };
  let text: string | undefined;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    if (text !== undefined) write(`\r\u001b[2Ktokprint: ${SPINNER[frame % SPINNER.length]} ${text}`);
  };
  const show = (next: string) => {
    text = next;
    draw();
    if (!timer) {
      timer = setInterval(() => {
        frame++;
        draw();
      }, SPIN_MS);
      timer.unref();
    }
  };
  return {
    update: (facts) => show(progressText(facts)),
    encoder: (referenceId, loaded, planned) => show(encoderText(referenceId, loaded, planned)),
    status: show,
    done() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (text !== undefined) write('\r\u001b[2K');
      text = undefined;
    },
  };
}
