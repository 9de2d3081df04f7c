import type { CountIndex } from '../signatures/count-index.js';
import { REDUCTIONS, type Reduction } from '../signatures/probe-reductions.js';
import type { RequestRecord } from './identify.js';
import type { GroupScore, Posterior } from './posterior.js';
import { probePositions } from './request-signature.js';
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

/** The reductions that re-split text without touching the vocabulary: what a changed pre-tokenizer does. */
const SPLITS: readonly Reduction[] = REDUCTIONS.filter((r) => r === 'digits' || r === 'punctuation' || r === 'marks');
/** Share of a pack's predicted move a split may miss by: the reductions of formats read from token texts are estimates. */
const SPLIT_SLACK = 0.1;

/**
 * The change that explains a derived class's counts, read from the packs that strayed from its prediction
 * (against the bare frame, which no change moves): an extension only removes tokens, pruning and a
 * pre-tokenizer split only add them. A split adds, pack by pack, what the class's own reduction of that kind
 * predicts (digits, punctuation, or combining marks apart from their letters: Qwen2's vocabulary under
 * Qwen2.5's rule beside Qwen3.5's) and nothing elsewhere, while pruning moves whatever holds the pruned merges;
 * without the reductions (or the index to place the probes) a split is read from the structure stratum alone.
 */
export function changeKind(
  score: GroupScore,
  requests: readonly RequestRecord[],
  index?: CountIndex,
): ChangeKind | undefined {
  const frame = requests.findIndex((r) => r.probes.length === 0);
  const anchor = frame >= 0 ? (score.deviations[frame] ?? 0) : 0;
  const packs = probePacks(requests).map((k) => ({ k, d: (score.deviations[k] ?? 0) - anchor }));
  const moved = packs.filter((m) => Math.abs(m.d) > SEAM);
  if (!moved.length) return undefined;
  const up = moved.some((m) => m.d > 0);
  const down = moved.some((m) => m.d < 0);
  if (up && down) return 'extension and pruning';
  if (down) return 'extension';
  const reductions = score.group.reductions;
  if (reductions && index) {
    const position = probePositions(index);
    const split = (kind: Reduction, k: number) =>
      requests[k].probes.reduce((sum, id) => sum + (reductions[kind][position.get(id) ?? -1] ?? 0), 0);
    const explains = (kind: Reduction) =>
      packs.every(({ k, d }) => {
        const predicted = split(kind, k);
        return Math.abs(d - predicted) <= SEAM + SPLIT_SLACK * predicted;
      });
    return SPLITS.some(explains) ? 'pre-tokenizer' : 'pruning';
  }
  return moved.every((m) => requests[m.k].stratum === 'structure') ? 'pre-tokenizer' : 'pruning';
}

/** The verdict with what an auditor reads next: for `unknown` and `inconclusive` the nearest indexed classes, for `derived` the change. */
export function withRelatives(
  verdict: Verdict,
  post: Posterior,
  requests: readonly RequestRecord[],
  index?: CountIndex,
): Verdict {
  if (verdict.status === 'unknown' || verdict.status === 'inconclusive') {
    const nearest = nearestRelatives(post, requests);
    return nearest.length ? { ...verdict, nearest } : verdict;
  }
  if (verdict.status === 'derived') {
    const score = post.groups.find((g) => g.group.references[0] === verdict.reference);
    const change = score && changeKind(score, requests, index);
    return change ? { ...verdict, change } : verdict;
  }
  return verdict;
}
