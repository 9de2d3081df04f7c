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
export const SPIN_MS = 120;
/** Returns to the start of the line and erases it, so each frame replaces the last. */
export const CLEAR_LINE = '\r\u001b[2K';
export const PROGRESS_PREFIX = 'tokprint: ';

/** One drawing of the progress line: the spinner's frame, then the text. */
export function spinnerFrame(frame: number, text: string): string {
  return `${CLEAR_LINE}${PROGRESS_PREFIX}${SPINNER[frame % SPINNER.length]} ${text}`;
}

/** Draws a line of text in place with a moving spinner frame; `stop` erases it. */
export interface LineSpinner {
  show(text: string): void;
  stop(): void;
}

/**
 * A spinner redrawn by a timer on this thread: it moves while an answer is awaited, but not while this thread
 * is busy (a tokenizer file parsed). The timer never keeps the process alive.
 */
export function timerSpinner(write: (text: string) => void): LineSpinner {
  let text: string | undefined;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    if (text !== undefined) write(spinnerFrame(frame, text));
  };
  return {
    show(next) {
      text = next;
      draw();
      if (timer) return;
      timer = setInterval(() => {
        frame++;
        draw();
      }, SPIN_MS);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (text !== undefined) write(CLEAR_LINE);
      text = undefined;
    },
  };
}

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
 * A progress line on stderr, redrawn in place and cleared at the end; a spinner is given only where the line
 * belongs (a terminal, not --quiet, not --json), so logs and pipes stay clean.
 */
export function progressLine(spinner: LineSpinner | undefined): ProgressLine {
  if (!spinner) return { update: () => {}, encoder: () => {}, status: () => {}, done: () => {} };
  return {
    update: (facts) => spinner.show(progressText(facts)),
    encoder: (referenceId, loaded, planned) => spinner.show(encoderText(referenceId, loaded, planned)),
    status: (text) => spinner.show(text),
    done: () => spinner.stop(),
  };
}
