import type { CountSignature } from '../signatures/observations.js';
import type { GroupLikelihoods } from './likelihood.js';
import { largeMovesAt } from './own-core.js';
import { DERIVED_DIRECTIONS, LARGE_MOVES, UNTOUCHED_PACK, movedNoise, seamNoise, untouchedFor } from './noise.js';

/**
 * The count likelihoods when identical requests are billed differently: each count carries the hidden part's
 * move on top of the seam noise, so every per-request factor is the noise-free one smeared over that move.
 */

/**
 * How the hidden part moves, measured as `spread` tokens either side: flat across the spread (a clock, an id,
 * notes of any length in the range are alike), a geometric tail beyond it (the spread measured from a few
 * repeats falls short of the true one), and now and then a jump of up to JUMP.span tokens (a retrieved memory).
 */
export const HIDDEN_MOVE = { flat: 0.9, tailScale: (spread: number) => Math.max(1, spread / 2) };
export const JUMP = { share: 0.02, span: 300, seen: 40 };

/**
 * How often the hidden part jumps, as the bare frame's counts show it: JUMP.share while none of them lay farther
 * than JUMP.seen tokens (past twice the widest spread weighed) from their middle; else the share of them that did.
 * A product that retrieves a memory for one request in five jumps on a fifth of all counts, and reading each as a
 * 1-in-50 event makes an unchanged tokenizer with a few jumped packs read as a changed one.
 */
export function jumpShare(moves: readonly number[]): number {
  if (!moves.length) return JUMP.share;
  const { counts, middle } = frameCounts(moves);
  const jumps = counts.filter((c) => Math.abs(c - middle) > JUMP.seen).length;
  return jumps ? Math.max(JUMP.share, jumps / counts.length) : JUMP.share;
}

/** The bare frame's counts as moves from its first (0 for the first), in ascending order, and the middle one. */
export function frameCounts(moves: readonly number[]): { counts: number[]; middle: number } {
  const counts = [0, ...moves].sort((a, b) => a - b);
  return { counts, middle: counts[counts.length >> 1] };
}

interface MoveModel {
  /** Reach J: the move is j for -J <= j <= J, with probability weights[j + J] (without the jump share). */
  reach: number;
  weights: Float64Array;
  /** noisyMatch(e) at MATCH_SPAN + e under each jump share, NaN until first read. */
  match: Map<number, Float64Array>;
}

const MATCH_SPAN = 1024;

const models = new Map<number, MoveModel>();

function moveModel(spread: number): MoveModel {
  let model = models.get(spread);
  if (model) return model;
  const scale = HIDDEN_MOVE.tailScale(spread);
  const reach = spread + Math.ceil(4 * scale);
  const weights = new Float64Array(2 * reach + 1);
  const q = Math.exp(-1 / scale);
  let flat = 0;
  let tail = 0;
  for (let j = -reach; j <= reach; j++) {
    if (Math.abs(j) <= spread) flat++;
    else tail += q ** (Math.abs(j) - spread);
  }
  for (let j = -reach; j <= reach; j++) {
    weights[j + reach] =
      Math.abs(j) <= spread
        ? (tail ? HIDDEN_MOVE.flat : 1) / flat
        : ((1 - HIDDEN_MOVE.flat) * q ** (Math.abs(j) - spread)) / tail;
  }
  model = { reach, weights, match: new Map() };
  models.set(spread, model);
  return model;
}

/**
 * How far a count must stray from a tokenizer's prediction, at the constant tried, before a change may explain it; for
 * a pack asked `times` over whose counts lay within the spread of each other, how far their mean must. One count 3
 * spreads out is rare under the hidden part's move but common where the spread measured falls short of the true one.
 * Identical requests straying alike is what a hidden part seldom does, each request drawing its own move, so their mean
 * need only clear the spread by a seam's tokens. A copy of o200k extended by Latin words, its edge check 4 under twice
 * at a spread of 1, reads as changed. Repeats further apart than the spread show a wider one, and are judged as one
 * count: MPT unchanged behind notes of +-5 tokens (measured as 1), its edge check 6 and then 2 under, stays a match.
 */
function clearOfSpread(spread: number, times = 1): number {
  return times > 1 ? spread + 3 : 3 * spread + 3;
}

const jumpFloor = (e: number, share: number) => (Math.abs(e) <= JUMP.span ? share / (2 * JUMP.span + 1) : 0);

function smeared(model: MoveModel, f: (e: number) => number, e: number, share: number): number {
  let sum = 0;
  for (let j = -model.reach; j <= model.reach; j++) sum += model.weights[j + model.reach] * f(e - j);
  return (1 - share) * sum + jumpFloor(e, share);
}

/** A count straying `error` tokens from an unchanged tokenizer's prediction, under the hidden part's move. */
export function noisyMatch(error: number, spread: number, share = JUMP.share): number {
  const model = moveModel(spread);
  if (Math.abs(error) > MATCH_SPAN) return smeared(model, seamNoise, error, share);
  let table = model.match.get(share);
  if (!table) model.match.set(share, (table = new Float64Array(2 * MATCH_SPAN + 1).fill(Number.NaN)));
  const value = table[MATCH_SPAN + error];
  return Number.isNaN(value) ? (table[MATCH_SPAN + error] = smeared(model, seamNoise, error, share)) : value;
}

/**
 * A touched pack straying `error` tokens under a derived tokenizer, under the hidden part's move. Only a change
 * that moves the pack clear of the spread is a change here: smaller ones cannot be told from the noise, and
 * counting them would let every noisy count speak for a changed vocabulary. (A change's own spread is far wider
 * than the hidden part's, so it is not smeared again.)
 */
export function noisyDerived(
  error: number,
  predicted: number,
  untouched: number,
  sign: number,
  spread: number,
  share = JUMP.share,
  large = LARGE_MOVES.usual,
  /** How many identical requests `error` is the mean stray of. */
  times = 1,
) {
  const moved = Math.abs(error) >= clearOfSpread(spread, times) ? movedNoise(error, predicted, sign, large) : 0;
  return untouched * noisyMatch(error, spread, share) + (1 - untouched) * moved;
}

/** Spreads the hidden part may have, tokens either side; the repeats and the counts weigh them. */
export const SPREADS = [1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20] as const;

/** The chance two identical requests' counts differ by `move` under a spread: the move model against itself. */
function repeatMove(move: number, spread: number, share = JUMP.share): number {
  const { reach, weights } = moveModel(spread);
  let sum = 0;
  for (let j = -reach; j <= reach; j++) {
    const k = j + move;
    if (k >= -reach && k <= reach) sum += weights[j + reach] * weights[k + reach];
  }
  return (1 - share) * sum + jumpFloor(move, share);
}

/** How much each spread is believed from the moves between identical requests alone (a flat prior over SPREADS). */
export function spreadWeights(moves: readonly number[], share = JUMP.share): number[] {
  const raw = SPREADS.map((w) => moves.reduce((p, d) => p * repeatMove(d, w, share), 1));
  const total = raw.reduce((a, b) => a + b, 0) || 1;
  return raw.map((r) => r / total);
}

/**
 * Every whole offset within `reach` of some centre, each once and in ascending order: summed in one order whatever
 * order the centres came in, so a rescore sums as the run did.
 */
function offsetsAround(centres: readonly number[], reach: number): number[] {
  const offsets = new Set<number>();
  for (const centre of centres) for (let c = centre - reach; c <= centre + reach; c++) offsets.add(c);
  return [...offsets].sort((a, b) => a - b);
}

/**
 * A sample of the hidden part that may instead be a pack a change moved: the chance it was, and how likely its
 * residual is then (a function of its error from the constant).
 */
interface MaybeMoved {
  residual: number;
  moved?: { share: number; likelihood: (error: number) => number };
}

/**
 * How likely residuals that share one unknown constant are under each spread of SPREADS, the constant summed out
 * (around the median of the samples, and around each sample no change can move: the constant of a changed copy
 * lies there while the packs it moved may be most of the rest).
 */
function residualSpreadLikelihoods(samples: readonly MaybeMoved[], share = JUMP.share): number[] {
  const values = samples.map((x) => Math.round(x.residual));
  if (values.length < 2) return SPREADS.map(() => 1);
  const middle = [...values].sort((a, b) => a - b)[values.length >> 1];
  const centres = [middle, ...values.filter((_, i) => !samples[i].moved)];
  return SPREADS.map((spread) => {
    let sum = 0;
    for (const c of offsetsAround(centres, moveModel(spread).reach + 2))
      sum += values.reduce((p, r, i) => {
        const moved = samples[i].moved;
        const still = noisyMatch(r - c, spread, share);
        return p * (moved ? (1 - moved.share) * still + moved.share * moved.likelihood(r - c) : still);
      }, 1);
    return sum;
  });
}

/** How much each spread is believed from residuals that share one unknown constant (a flat prior over SPREADS). */
export function residualSpreadWeights(residuals: readonly number[]): number[] {
  const raw = residualSpreadLikelihoods(residuals.map((residual) => ({ residual })));
  const total = raw.reduce((a, b) => a + b, 0);
  // samples past any jump's reach say nothing of the spread
  return total > 0 ? raw.map((r) => r / total) : SPREADS.map(() => 1 / SPREADS.length);
}

/** The spread the moves between identical requests point to most: what a report names. */
export function measuredSpread(moves: readonly number[]): number {
  const weights = spreadWeights(moves);
  return SPREADS[weights.indexOf(Math.max(...weights))];
}

/**
 * groupLikelihoods when identical requests were billed differently (`signature.moves`): for each spread the
 * constant summed over every offset within the hidden part's reach of some request's residual, and the spreads
 * mixed by how much the moves believe each.
 */
export function noisyGroupLikelihoods(
  signature: CountSignature,
  totals: ArrayLike<number>,
  M: number,
  scored: ArrayLike<number>,
  moves: readonly number[],
  /** Per pack, the tokens its core check's class counts it in, or -1 (see coreTotals). */
  cores?: ArrayLike<number>,
): GroupLikelihoods {
  const G = scored.length;
  const out = { match: new Float64Array(G), derived: new Float64Array(G), offset: new Float64Array(G) };
  const share = jumpShare(moves);
  const large = (k: number, m: number) => largeMovesAt(cores, totals, M, k, m);
  const weights = noiseSpreadWeights(signature, totals, M, moves, share, large);
  const best = new Float64Array(G).fill(-1);
  SPREADS.forEach((spread, i) => {
    if (weights[i] < 1e-6) return;
    const one = atSpread(signature, totals, M, scored, spread, share, large);
    for (let g = 0; g < G; g++) {
      const w = weights[i];
      out.match[g] += w * one.match[g];
      out.derived[g] += w * one.derived[g];
      if (w * one.best[g] > best[g]) {
        best[g] = w * one.best[g];
        out.offset[g] = one.offset[g];
      }
    }
  });
  return out;
}

/** The share of the belief in each spread left to the frame's repeats alone, however firm the counts make it. */
const REPEATS_ALONE_SHARE = 0.1;

/** Packs a change more likely misses than touches: their residuals under a group are samples of the hidden part. */
const LIKELY_UNTOUCHED = 0.5;

/**
 * How much each spread is believed, from every count that samples the hidden part under the tokenizer that explains
 * them best: the frame and its repeats, and the packs a change most likely leaves alone (not the edge checks, whose
 * strays are judged), each of these as a change may have moved it. One belief for every candidate, so none picks the
 * noise that suits it; a firm one keeps "the same tokenizer with a larger noise" from explaining a stray that a
 * small noise cannot reach. (Were the packs read as pure samples, a changed pre-tokenizer, which moves every pack,
 * would read as a spread wide enough to make the unchanged tokenizer fit, whatever the frame's repeats showed.)
 */
function noiseSpreadWeights(
  signature: CountSignature,
  totals: ArrayLike<number>,
  M: number,
  moves: readonly number[],
  share: number,
  large: (k: number, m: number) => number,
): number[] {
  let best: number[] = [];
  let bestTotal = -1;
  for (let m = 0; m < M; m++) {
    const samples: MaybeMoved[] = [];
    signature.packs.forEach((pack, k) => {
      const residual = signature.observed[k] - totals[k * M + m];
      const untouched = signature.untouched?.[k] ?? UNTOUCHED_PACK;
      if (!pack.length) {
        samples.push({ residual });
        // the frame's repeats, when this is the frame first sent
        if (k === 0) for (const move of moves) samples.push({ residual: residual + move });
      } else if (untouched >= LIKELY_UNTOUCHED) {
        const predicted = totals[k * M + m];
        // read at the same errors for every spread: computed once each
        const memo = new Map<number, number>();
        const likelihood = (e: number) => {
          let value = memo.get(e);
          if (value === undefined) memo.set(e, (value = movedNoise(e, predicted, 0, large(k, m))));
          return value;
        };
        samples.push({ residual, moved: { share: 1 - untouched, likelihood } });
      }
    });
    if (samples.some((x) => !Number.isFinite(x.residual))) continue;
    const raw = residualSpreadLikelihoods(samples, share);
    const total = raw.reduce((a, b) => a + b, 0);
    if (total > bestTotal) {
      bestTotal = total;
      best = raw;
    }
  }
  const repeatsAlone = spreadWeights(moves, share);
  // samples past any jump's reach say nothing of the spread: then the frame's repeats alone are read
  if (!(bestTotal > 0)) return repeatsAlone;
  // and always a little: when jumps come often, a larger spread must still be able to explain some of them
  return best.map((r, i) => (1 - REPEATS_ALONE_SHARE) * (r / bestTotal) + REPEATS_ALONE_SHARE * repeatsAlone[i]);
}

function atSpread(
  signature: CountSignature,
  totals: ArrayLike<number>,
  M: number,
  scored: ArrayLike<number>,
  spread: number,
  share: number,
  large: (k: number, m: number) => number,
): GroupLikelihoods & { best: Float64Array } {
  const G = scored.length;
  const out = {
    match: new Float64Array(G),
    derived: new Float64Array(G),
    offset: new Float64Array(G),
    best: new Float64Array(G),
  };
  const untouched = signature.packs.map((_, k) => signature.untouched?.[k] ?? UNTOUCHED_PACK);
  const reach = moveModel(spread).reach + 3;
  const repeated = samePacks(signature.packs);
  for (let g = 0; g < G; g++) {
    const m = scored[g];
    const predicted = signature.packs.map((_, k) => totals[k * M + m]);
    const residual = predicted.map((p, k) => signature.observed[k] - p);
    // the constant lies within the hidden part's reach of most residuals, around their median (a jump moves one),
    // or, for a changed copy, of the bare frame's, which no change touches: where a change moved most packs one way
    // the median is theirs
    const middle = Math.round([...residual].sort((a, b) => a - b)[residual.length >> 1] ?? 0);
    const frames = residual.filter((_, k) => !signature.packs[k].length).map(Math.round);
    let matchL = 0;
    let derivedL = 0;
    let best = -1;
    let bestOffset = residual[0] ?? 0;
    for (const offset of offsetsAround([middle, ...frames], reach)) {
      let mm = 1;
      const d = DERIVED_DIRECTIONS.map(() => 1);
      for (const same of repeated) {
        const k = same[0];
        const e = Math.round(residual[k] - offset);
        let exact = noisyMatch(e, spread, share);
        // a pack asked again moves by the same change each time: only the hidden part's moves differ between them
        let again = 1;
        let sum = residual[k] - offset;
        let low = residual[k];
        let high = residual[k];
        for (let i = 1; i < same.length; i++) {
          const r = residual[same[i]];
          exact *= noisyMatch(Math.round(r - offset), spread, share);
          again *= repeatMove(Math.round(r - residual[k]), spread, share);
          sum += r - offset;
          low = Math.min(low, r);
          high = Math.max(high, r);
        }
        // rounded away from zero either way, so a stray up and one down are read alike
        const mean = Math.sign(sum) * Math.round(Math.abs(sum) / same.length);
        // repeats that differ by more than the spread show a wider one: then their mean is judged as one count
        const alike = high - low <= spread ? same.length : 1;
        mm *= exact;
        const touched = signature.packs[k].length > 0;
        for (let dir = 0; dir < d.length; dir++) {
          const sign = DERIVED_DIRECTIONS[dir].sign;
          const u = untouchedFor(untouched[k], large(k, m));
          d[dir] *= touched
            ? u * exact + (1 - u) * noisyDerived(mean, predicted[k], 0, sign, spread, share, large(k, m), alike) * again
            : exact;
        }
      }
      matchL += mm;
      derivedL += DERIVED_DIRECTIONS.reduce((sum, direction, dir) => sum + direction.weight * d[dir], 0);
      if (mm > best) {
        best = mm;
        bestOffset = offset;
      }
    }
    out.match[g] = matchL;
    out.derived[g] = derivedL;
    out.offset[g] = bestOffset;
    out.best[g] = best;
  }
  return out;
}

/** The requests grouped by the probes they held (in any order), each group in the order sent. */
function samePacks(packs: readonly number[][]): number[][] {
  const byProbes = new Map<string, number[]>();
  packs.forEach((pack, k) => {
    // the bare frame, asked again, is read through the moves instead
    const key = pack.length ? [...pack].sort((a, b) => a - b).join(',') : `frame ${k}`;
    const same = byProbes.get(key);
    if (same) same.push(k);
    else byProbes.set(key, [k]);
  });
  return [...byProbes.values()];
}
