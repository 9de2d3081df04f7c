import type { GroupScore, Posterior } from './posterior.js';
import { residualSpread, strayBeyondSamples } from './spread-estimate.js';
import { strayConfirmed } from './stray-repeat.js';
import { rankedGroups, type Verdict } from './verdict.js';

/**
 * Verdicts under a measured spread: identical requests billed differently by up to `spread` tokens either side.
 */

/** The largest spread the counts are still read through; past it a few requests cannot tell candidates apart. */
export const NOISE_CEILING = 10;

/** Deviations no larger than this, seen with one equal repeat, may still be a hidden part that rarely moves. */
export const SMALL_DEVIATION = 8;

/**
 * Repeats of the bare frame a change seen only through small deviations needs, besides its largest stray asked
 * again: a hidden part that moves a token or two can repeat itself once by chance, seldom twice and then a third time.
 */
export const SMALL_CHANGE_REPEATS = 2;

/** Why the counts cannot name a tokenizer through this noise, in the words a report shows. */
export function noiseReason(spread: number, detail: string): string {
  return `counts vary by about ${spread} token${spread === 1 ? '' : 's'} between identical requests; ${detail}`;
}

/**
 * The samples of the hidden part's move under a group: its deviations on every count request but the edge checks
 * (whose strays are what is judged; and any other kind `judged` names), and the frame's again for each repeat of it.
 */
export function noiseSamples(
  score: GroupScore,
  requests: readonly { stratum: string }[],
  moves: readonly number[],
  judged: readonly string[] = ['edge'],
): number[] {
  const samples = score.deviations.filter((_, k) => !judged.includes(requests[k]?.stratum));
  const frame = requests.findIndex((r) => r.stratum === 'frame');
  if (frame >= 0) samples.push(...frameDeviations(score, frame, moves).slice(1));
  return samples;
}

/** The bare frame's deviation under a group (request `frame`), then again for each repeat of it. */
function frameDeviations(score: GroupScore, frame: number, moves: readonly number[]): number[] {
  return [0, ...moves].map((move) => score.deviations[frame] + move);
}

/**
 * The spread the counts show under a group, and how far its edge checks strayed past all the noise reaches at that
 * spread (0 or less when none did, or none was made).
 */
export function edgeStray(
  score: GroupScore,
  requests: readonly { stratum: string }[],
  moves: readonly number[],
): { spread: number; stray: number } {
  const samples = noiseSamples(score, requests, moves);
  const spread = residualSpread(samples);
  let stray = Number.NEGATIVE_INFINITY;
  requests.forEach((r, k) => {
    if (r.stratum === 'edge') stray = Math.max(stray, strayBeyondSamples(score.deviations[k], samples, spread));
  });
  return { spread, stray };
}

/**
 * What identical requests showed of the spread: the repeats' measure, or half the range of the frame's own moves either
 * side, when they lay farther apart than any spread scored.
 */
function identicalRequestsSpread(repeats: FrameRepeats): number {
  return Math.max(repeats.spread, Math.ceil(frameRange(repeats.moves) / 2));
}

/**
 * The spread an inconclusive run names: what every count that samples the hidden part shows under the leading
 * candidate, when that is more than the frame's repeats alone measured (one repeat can land close by chance), or
 * half the range of the frame's own counts, when that is more still.
 */
export function inconclusiveSpread(
  post: Posterior,
  requests: readonly { stratum: string }[],
  repeats: FrameRepeats,
): number {
  const measured = identicalRequestsSpread(repeats);
  const leader = rankedGroups(post)[0];
  if (!leader) return measured;
  return Math.max(measured, residualSpread(noiseSamples(leader, requests, repeats.moves)));
}

/**
 * Why an inconclusive run could not see through the counts' noise. Where the counts scatter around the leading
 * candidate's predictions farther than identical requests moved, that scatter is named as such, not as a move between
 * identical requests: a changed copy leading leaves it as much as a hidden part does, and the two cannot be told apart.
 */
export function inconclusiveNoiseReason(
  post: Posterior,
  requests: readonly { stratum: string }[],
  repeats: FrameRepeats,
): string {
  const apart = 'the requests allowed did not tell the candidates apart through it';
  const measured = identicalRequestsSpread(repeats);
  const spread = inconclusiveSpread(post, requests, repeats);
  const leader = rankedGroups(post)[0];
  if (spread <= measured || !leader) return noiseReason(spread, apart);
  const tokens = (n: number) => `${n} token${n === 1 ? '' : 's'}`;
  return `counts vary by about ${tokens(spread)} around ${leader.group.references[0]}'s predictions, while identical requests moved by about ${tokens(measured)}; ${apart}`;
}

/** The derived group a verdict names, as scored. */
export function namedScore(post: Posterior, verdict: Verdict): GroupScore | undefined {
  return post.groups.find((g) => g.group.references[0] === verdict.reference);
}

/** The largest deviation of any count from the group's prediction. */
export function largestDeviation(score: GroupScore): number {
  return Math.max(0, ...score.deviations.map(Math.abs));
}

/**
 * The repeats of the bare frame a run made, the spread their moves measured (0 while they agree), and the moves
 * (with those of count requests asked again to check a stray, see strayConfirmed).
 */
export interface FrameRepeats {
  spread: number;
  made: number;
  moves: readonly number[];
  /** The count requests (seq) asked again to check their stray and billed alike. */
  confirmed?: readonly number[];
}

/**
 * Why a derived verdict cannot stand through the counts' noise, in a report's words, or undefined when it can: a
 * change seen only through small deviations before the frame was asked SMALL_CHANGE_REPEATS times more and its
 * largest stray again (a hidden part that moves a token or two repeats itself often enough), or, under a measured
 * spread, no edge check clear of it.
 */
export function derivedHeldBack(
  post: Posterior,
  verdict: Verdict,
  requests: readonly { stratum: string; seq?: number; tested?: string }[],
  repeats: FrameRepeats,
  /** The core the class holding a reference has to ask at the spread measured, if any (see coreOf). */
  coreOf: (reference: string) => 'strict' | 'near' | undefined = () => 'strict',
): string | undefined {
  if (verdict.status !== 'derived') return undefined;
  const score = namedScore(post, verdict);
  // the class whose counts lie closest, named or not: where it misses by a few tokens only, it unchanged behind a
  // hidden part that moves is as good an account as the change claimed (twins named together included)
  const closest = post.groups.reduce<GroupScore | undefined>(
    (a, b) => (b.deviations.length && (!a || largestDeviation(b) < largestDeviation(a)) ? b : a),
    score,
  );
  if (!repeats.spread && closest && largestDeviation(closest) <= SMALL_DEVIATION) {
    const within = `every count lies within ${SMALL_DEVIATION} tokens of ${closest.group.references[0]}'s, which a hidden prompt that changes per request also explains`;
    if (repeats.made < SMALL_CHANGE_REPEATS)
      return `${within}, and the bare frame was ${repeats.made ? 'asked again only once' : 'not asked again'}`;
    if (!strayConfirmed(closest, requests, repeats.confirmed ?? []))
      return `${within}, and the request that strayed most was not asked again with the same stray`;
  }
  if (!repeats.spread) return undefined;
  const judged = score ? edgeStray(score, requests, repeats.moves) : { spread: repeats.spread, stray: 0 };
  if (judged.stray <= 0)
    return noiseReason(
      judged.spread,
      `no edge check strayed from ${verdict.reference} past what that noise reaches, so a changed vocabulary cannot be told from it`,
    );
  const core = coreOf(verdict.reference!);
  if (!core)
    return noiseReason(
      judged.spread,
      `${verdict.reference} has no core (text it counts in the fewest tokens of every family, or within a token of it, that no usual change touches), so a tokenizer outside the index that counts near it by chance cannot be ruled out`,
    );
  const unasked = coreUnasked(verdict.reference!, requests, judged.spread);
  if (unasked || core === 'strict' || !score) return unasked;
  // the core judged against the spread the other counts show: a core that strayed would widen its own allowance
  const spread = residualSpread(noiseSamples(score, requests, repeats.moves, ['edge', 'core']));
  if (!nearCoreStrayed(score, verdict.reference!, requests, repeats, spread)) return undefined;
  return noiseReason(
    spread,
    `${verdict.reference}'s core (text it counts within a token of the fewest of every family) strayed past what that noise reaches from the bare frame, so a tokenizer outside the index that counts near it elsewhere by chance cannot be ruled out`,
  );
}

/**
 * Whether the class's core, asked as a near one (text it counts within a token of the fewest of every family),
 * strayed past what the hidden part reaches from the bare frame's counts. A strict core the likelihood weighs; a near
 * core is kept for classes with no strict one,
 * where an unrelated tokenizer that lands near the class elsewhere by chance must still be told apart, so it is
 * asked to fit within the noise.
 */
function nearCoreStrayed(
  score: GroupScore,
  reference: string,
  requests: readonly { stratum: string; tested?: string }[],
  repeats: FrameRepeats,
  /** The spread the counts other than the edge checks and the core show: the one the reason names. */
  spread: number,
): boolean {
  const frame = requests.findIndex((r) => r.stratum === 'frame');
  if (frame < 0) return false;
  const samples = frameDeviations(score, frame, repeats.moves);
  return requests.some(
    (r, k) =>
      r.stratum === 'core' && r.tested === reference && strayBeyondSamples(score.deviations[k], samples, spread) > 0,
  );
}

/**
 * Why a change claimed through the noise still wants its core asked, or undefined once it was: within the noise a
 * tokenizer outside the index lands near some indexed class's counts by chance far more often than to the token,
 * on the packs a change would leave alone as on any other, while a changed copy mostly still counts its base's core
 * as the base does (see planCoreCheck); the likelihood weighs what the core showed. (A core that strayed is no proof
 * either way: a copy pruned deeper than DEEP_MERGES, or extended from outside the index, moves it too.)
 */
function coreUnasked(
  reference: string,
  requests: readonly { stratum: string; tested?: string }[],
  spread: number,
): string | undefined {
  if (requests.some((r) => r.stratum === 'core' && r.tested === reference)) return undefined;
  return noiseReason(
    spread,
    `${reference}'s core, which a changed copy mostly counts as it does, was not asked, so a tokenizer outside the index that counts near it by chance cannot be ruled out`,
  );
}

/** Counts a match may leave past the noise identical requests showed: one, a jump of the hidden part. */
export const MATCH_STRAYS_ALLOWED = 1;

/**
 * Why a match cannot stand through the counts' noise, in a report's words, or undefined when it can. Once identical
 * requests were billed differently, a wrong tokenizer's misses read as that noise too: the spread the likelihood
 * weighs is drawn partly from the counts themselves. But the hidden part moves every count within the range
 * identical requests showed (twice it, a seam's tokens on top, as for an unknown); a match whose counts leave that
 * window, whatever the constant, on more than one request (a jump) is not explained by the noise measured, and a
 * tokenizer outside the index may lie close to it.
 */
export function matchStrays(post: Posterior, verdict: Verdict, repeats: FrameRepeats): string | undefined {
  if (verdict.status !== 'match' || !repeats.moves.some((m) => m !== 0)) return undefined;
  const score = namedScore(post, verdict);
  if (!score?.deviations.length) return undefined;
  const range = frameRange(repeats.moves);
  const reach = 2 * range + 2;
  const sorted = score.deviations.map(Math.round).sort((a, b) => a - b);
  let held = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] > reach) j++;
    held = Math.max(held, i - j + 1);
  }
  const strays = sorted.length - held;
  if (strays <= MATCH_STRAYS_ALLOWED) return undefined;
  return noiseReason(
    range,
    `${strays} of ${verdict.reference}'s counts stray past what that noise reaches, so a tokenizer outside the index that counts close to it cannot be ruled out`,
  );
}

/** Repeats of the bare frame an `unknown` needs once identical requests were billed differently. */
export const UNKNOWN_REPEATS = 3;

/** How far apart the bare frame's counts lay: its first count and every repeat of it. */
export function frameRange(moves: readonly number[]): number {
  return Math.max(0, ...moves) - Math.min(0, ...moves);
}

/**
 * Why an `unknown` cannot stand through the counts' noise, in a report's words, or undefined when it can. A
 * tokenizer outside the index is told from a hidden part that moves only once the bare frame's counts show how far
 * it moves: while identical requests were billed differently and the frame was asked fewer than UNKNOWN_REPEATS
 * times more, or while some candidate's counts spread no wider than the frame's moves reach (twice their range,
 * a seam's tokens on top), its misses may all be that noise.
 */
export function unknownHeldBack(
  post: Posterior,
  verdict: Verdict,
  repeats: FrameRepeats,
  requests: readonly { stratum: string }[] = [],
): string | undefined {
  if (verdict.status !== 'unknown' || !repeats.moves.some((m) => m !== 0)) return undefined;
  const range = frameRange(repeats.moves);
  if (repeats.made < UNKNOWN_REPEATS)
    return noiseReason(
      range,
      `the bare frame was asked again only ${repeats.made} time${repeats.made === 1 ? '' : 's'}, too few to tell a tokenizer outside the index from that noise`,
    );
  const reach = 2 * range + 2;
  const within = post.groups.find(
    (g) => g.deviations.length > 0 && Math.max(...g.deviations) - Math.min(...g.deviations) <= reach,
  );
  if (within)
    return noiseReason(
      range,
      `${within.group.references[0]}'s counts lie within what that noise reaches, so no indexed tokenizer can be ruled out`,
    );
  const fitsBetweenJumps = jumpedFit(post, requests, repeats);
  if (!fitsBetweenJumps) return undefined;
  return noiseReason(
    repeats.spread,
    `the bare frame's counts jumped by up to ${range} tokens, and ${fitsBetweenJumps.group.references[0]} fits at least half the other counts within that spread, so its other misses may be such jumps and no indexed tokenizer can be ruled out`,
  );
}

/**
 * Where the bare frame's counts lay farther apart than the spread they measured reaches (a jump of the hidden part,
 * such as a memory retrieved for one request), the group that fits at least half of the packs a change would most
 * likely miss within that reach of where the frame's counts put its constant: any of its other misses may be such a
 * jump, which comes as often as the frame's own showed.
 */
function jumpedFit(
  post: Posterior,
  requests: readonly { stratum: string }[],
  repeats: FrameRepeats,
): GroupScore | undefined {
  const reach = 2 * repeats.spread + 2;
  if (frameRange(repeats.moves) <= reach) return undefined;
  const frame = requests.findIndex((r) => r.stratum === 'frame');
  if (frame < 0) return undefined;
  const packs = requests.flatMap((r, k) => (r.stratum === 'frame' || r.stratum === 'edge' ? [] : [k]));
  if (!packs.length) return undefined;
  return post.groups.find((g) => {
    if (!g.deviations.length) return false;
    const counts = frameDeviations(g, frame, repeats.moves).sort((a, b) => a - b);
    const centre = counts[counts.length >> 1];
    const held = packs.filter((k) => Math.abs(g.deviations[k] - centre) <= reach).length;
    return 2 * held >= packs.length;
  });
}

/** Repeats of the bare frame asked before anything else once identical requests were billed differently. */
export const SPREAD_REPEATS = 2;

/**
 * Whether the frame's repeats have yet to show how far the hidden part moves: identical requests were billed
 * differently and the frame was asked fewer than SPREAD_REPEATS times more. One repeat often lands close by chance,
 * and the counts then read as a change, a tokenizer outside the index or a near relative's; a repeat costs the bare
 * frame alone, the cheapest request there is. (An unknown, or a match whose counts stray, waits for
 * UNKNOWN_REPEATS.)
 */
export function spreadUnmeasured(repeats: FrameRepeats): boolean {
  return repeats.moves.some((m) => m !== 0) && repeats.made < SPREAD_REPEATS;
}
