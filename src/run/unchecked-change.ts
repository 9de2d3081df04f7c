import { changeChecked } from '../planning/edge-check.js';
import type { SentRequest } from '../planning/requests.js';
import type { Posterior } from '../scoring/posterior.js';
import { inconclusiveVerdict, type Verdict } from '../scoring/verdict.js';

/**
 * Tokens a changed copy's own core may stray, where identical requests are billed alike: on the derived bench the
 * cores of real copies strayed by 0 to 2 tokens; Baichuan 2 left out was read as a changed ChatGLM3 (0.965) from a core
 * 5 tokens under.
 */
export const CORE_FIT = 2;

/**
 * A change named when a run ended names nothing when its family was never checked at its edges or its core (mid-run a
 * change is named only once checked, and the end of the budget keeps that rule), or when, with identical requests
 * billed alike, a core check of its own class strayed past CORE_FIT: a copy counts its core as the class does. Live
 * and on rescore alike.
 */
export function withoutUncheckedChange(
  verdict: Verdict,
  post: Posterior,
  sent: readonly SentRequest[],
  spread = 0,
): Verdict {
  if (verdict.status !== 'derived') return verdict;
  return !changeChecked(post, sent) || (!spread && ownCoreStrayed(verdict, post, sent))
    ? inconclusiveVerdict(post)
    : verdict;
}

/** Whether a core check asked of the class a derived verdict names strayed past CORE_FIT under it. */
export function ownCoreStrayed(verdict: Verdict, post: Posterior, sent: readonly SentRequest[]): boolean {
  const named = post.groups.find((g) => g.group.references.includes(verdict.reference!));
  if (!named) return false;
  return sent.some(
    (r, k) =>
      r.stratum === 'core' &&
      named.group.references.includes(r.tested!) &&
      Math.abs(named.deviations[k] ?? 0) > CORE_FIT,
  );
}
