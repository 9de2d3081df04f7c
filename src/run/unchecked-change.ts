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

/** The frame's repeats as a run measured them: the spread, and how far each identical request moved. */
export interface MeasuredMoves {
  spread: number;
  moves: readonly number[];
}

const BILLED_ALIKE: MeasuredMoves = { spread: 0, moves: [] };

/**
 * A change named when a run ended names nothing when its family was never checked at its edges or its core (mid-run a
 * change is named only once checked, and the end of the budget keeps that rule), or when a core check of its own class
 * strayed (see ownCoreStrayed): a copy counts its core as the class does. Live and on rescore alike.
 */
export function withoutUncheckedChange(
  verdict: Verdict,
  post: Posterior,
  sent: readonly SentRequest[],
  repeats: MeasuredMoves = BILLED_ALIKE,
): Verdict {
  if (verdict.status !== 'derived') return verdict;
  return !changeChecked(post, sent) || ownCoreStrayed(verdict, post, sent, repeats)
    ? inconclusiveVerdict(post)
    : verdict;
}

/**
 * Whether a core check asked of the class a derived verdict names strayed under it: past CORE_FIT where identical
 * requests are billed alike; under a measured spread, farther than CORE_FIT and three spreads from every count of the
 * bare frame (which no change moves either), as each of the two requests carries its own move of the hidden part and
 * a few repeats measure the spread short. Yi left out behind a request id (spread 2) was read as a changed
 * deepseek-coder (0.965, 0.983) with that class's core 21 tokens over the frame; the cores of changed copies on the
 * noise bench lay 0-7 tokens from it.
 */
export function ownCoreStrayed(
  verdict: Verdict,
  post: Posterior,
  sent: readonly SentRequest[],
  repeats: MeasuredMoves = BILLED_ALIKE,
): boolean {
  const named = post.groups.find((g) => g.group.references.includes(verdict.reference!));
  if (!named) return false;
  const frame = sent.findIndex((r) => r.stratum === 'frame');
  const frames =
    repeats.spread && frame >= 0 ? [0, ...repeats.moves].map((move) => (named.deviations[frame] ?? 0) + move) : [];
  const strayed = (deviation: number) =>
    frames.length
      ? frames.every((f) => Math.abs(deviation - f) > CORE_FIT + 3 * repeats.spread)
      : Math.abs(deviation) > CORE_FIT;
  return sent.some(
    (r, k) => r.stratum === 'core' && named.group.references.includes(r.tested!) && strayed(named.deviations[k] ?? 0),
  );
}
