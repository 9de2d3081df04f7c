import type { RequestRecord } from './identify.js';
import type { GroupScore, Posterior } from './posterior.js';
import type { Verdict } from './verdict.js';

/** An indexed class near the counts, and how far its exact prediction is from them. */
export interface Relative {
  reference: string;
  family: string;
  /** Tokens the counts stray from its prediction, summed over the probe packs (the constant fitted). */
  tokensOff: number;
  packs: number;
}

/** How a derived tokenizer's counts moved from its base's: what kind of change explains them. */
export type ChangeKind = 'extension' | 'pruning' | 'pre-tokenizer' | 'extension and pruning';

const RELATIVES = 3;
/** A pack that strayed this little is seam noise, not a change. */
const SEAM = 2;

const probePacks = (requests: readonly RequestRecord[]) => requests.flatMap((r, k) => (r.probes.length > 0 ? [k] : []));

/** The indexed classes whose exact predictions come nearest the counts, nearest first. */
export function nearestRelatives(post: Posterior, requests: readonly RequestRecord[], count = RELATIVES): Relative[] {
  const packs = probePacks(requests);
  if (!packs.length) return [];
  return post.groups
    .map((score) => ({
      reference: score.group.references[0],
      family: score.group.family,
      tokensOff: packs.reduce((sum, k) => sum + Math.abs(score.deviations[k] ?? 0), 0),
      packs: packs.length,
    }))
    .sort((a, b) => a.tokensOff - b.tokensOff || a.reference.localeCompare(b.reference))
    .slice(0, count);
}

/**
 * The change that explains a derived class's counts, read from the packs that strayed from its prediction
 * (against the bare frame, which no change moves): an extension only removes tokens, pruning and a
 * pre-tokenizer split only add them, the split only in digits and punctuation (the structure stratum).
 */
export function changeKind(score: GroupScore, requests: readonly RequestRecord[]): ChangeKind | undefined {
  const frame = requests.findIndex((r) => r.probes.length === 0);
  const anchor = frame >= 0 ? (score.deviations[frame] ?? 0) : 0;
  const moved = probePacks(requests)
    .map((k) => ({ k, d: (score.deviations[k] ?? 0) - anchor }))
    .filter((m) => Math.abs(m.d) > SEAM);
  if (!moved.length) return undefined;
  const up = moved.some((m) => m.d > 0);
  const down = moved.some((m) => m.d < 0);
  if (up && down) return 'extension and pruning';
  if (down) return 'extension';
  return moved.every((m) => requests[m.k].stratum === 'structure') ? 'pre-tokenizer' : 'pruning';
}

/** The verdict with what an auditor reads next: for `unknown` and `inconclusive` the nearest indexed classes, for `derived` the change. */
export function withRelatives(verdict: Verdict, post: Posterior, requests: readonly RequestRecord[]): Verdict {
  if (verdict.status === 'unknown' || verdict.status === 'inconclusive') {
    const nearest = nearestRelatives(post, requests);
    return nearest.length ? { ...verdict, nearest } : verdict;
  }
  if (verdict.status === 'derived') {
    const score = post.groups.find((g) => g.group.references[0] === verdict.reference);
    const change = score && changeKind(score, requests);
    return change ? { ...verdict, change } : verdict;
  }
  return verdict;
}
