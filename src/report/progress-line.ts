import type { CliIo } from '../cli/io.js';
import { signatureGroups } from '../scoring/hypotheses.js';
import type { Budget } from '../scoring/identify.js';
import { posterior } from '../scoring/posterior.js';
import { rankedGroups } from '../scoring/verdict.js';
import type { CountIndex } from '../signatures/count-index.js';
import type { Observation } from '../signatures/observations.js';
import { percent } from './report-facts.js';
import { requestSignature } from '../scoring/request-signature.js';

/** The progress text after each answer: requests so far against the budget, tokens spent, who leads. */
export function progressText(
  observations: readonly Observation[],
  index: CountIndex,
  budget: Budget,
  groups = signatureGroups(index),
): string {
  const spent = observations.reduce((sum, o) => sum + o.promptTokens, 0);
  const leader = rankedGroups(posterior(requestSignature(observations, index), groups))[0];
  const lead =
    leader && observations.length > 1
      ? `, leader ${leader.group.references[0]} ${percent(leader.match + leader.derived)}`
      : '';
  return `request ${observations.length}/${budget.maxQueries}, ${spent.toLocaleString('en-US')} prompt tokens${lead}`;
}

/**
 * A progress line on stderr, redrawn in place after each answer and cleared at the end; only on a
 * terminal, and not with --quiet, so logs and pipes stay clean.
 */
export function progressLine(
  io: CliIo,
  index: CountIndex,
  budget: Budget,
  quiet: boolean,
): { update(observation: Observation): void; done(): void } {
  if (quiet || !io.isTTY?.stderr) return { update: () => {}, done: () => {} };
  const groups = signatureGroups(index);
  const seen: Observation[] = [];
  let shown = false;
  return {
    update(observation) {
      seen.push(observation);
      io.stderr(`\r\u001b[2Ktokprint: ${progressText(seen, index, budget, groups)}`);
      shown = true;
    },
    done() {
      if (shown) io.stderr('\r\u001b[2K');
    },
  };
}
