import { changeChecked } from '../planning/edge-check.js';
import type { SentRequest } from '../planning/requests.js';
import type { Posterior } from '../scoring/posterior.js';
import { inconclusiveVerdict, type Verdict } from '../scoring/verdict.js';

/**
 * A change named when a run ended, its family never checked at its edges or its core, names nothing: mid-run a change
 * is named only once checked, and the end of the budget keeps that rule. Live and on rescore alike.
 */
export function withoutUncheckedChange(verdict: Verdict, post: Posterior, sent: readonly SentRequest[]): Verdict {
  return verdict.status === 'derived' && !changeChecked(post, sent) ? inconclusiveVerdict(post) : verdict;
}
