import type { CountSignature } from '../signatures/observations.js';
import type { GroupLikelihoods } from './likelihood.js';
import { DERIVED_DIRECTIONS, UNTOUCHED_PACK, movedNoise, seamNoise } from './noise.js';
import { clearOfSpread } from './noise-verdict.js';

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
export const JUMP = { share: 0.02, span: 300 };

interface MoveModel {
  /** Reach J: the move is j for -J <= j <= J, with probability weights[j + J] (without the jump share). */
  reach: number;
  weights: Float64Array;
  /** noisyMatch(e) at MATCH_SPAN + e, NaN until first read. */
  match: Float64Array;
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
  model = { reach, weights, match: new Float64Array(2 * MATCH_SPAN + 1).fill(Number.NaN) };
  models.set(spread, model);
  return model;
}

const jumpFloor = (e: number) => (Math.abs(e) <= JUMP.span ? JUMP.share / (2 * JUMP.span + 1) : 0);

function smeared(model: MoveModel, f: (e: number) => number, e: number): number {
  let sum = 0;
  for (let j = -model.reach; j <= model.reach; j++) sum += model.weights[j + model.reach] * f(e - j);
  return (1 - JUMP.share) * sum + jumpFloor(e);
}

/** A count straying `error` tokens from an unchanged tokenizer's prediction, under the hidden part's move. */
export function noisyMatch(error: number, spread: number): number {
  const model = moveModel(spread);
  if (Math.abs(error) > MATCH_SPAN) return smeared(model, seamNoise, error);
  const value = model.match[MATCH_SPAN + error];
  return Number.isNaN(value) ? (model.match[MATCH_SPAN + error] = smeared(model, seamNoise, error)) : value;
}

/**
 * A touched pack straying `error` tokens under a derived tokenizer, under the hidden part's move. Only a change
 * that moves the pack clear of the spread is a change here: smaller ones cannot be told from the noise, and
 * counting them would let every noisy count speak for a changed vocabulary. (A change's own spread is far wider
 * than the hidden part's, so it is not smeared again.)
 */
export function noisyDerived(error: number, predicted: number, untouched: number, sign: number, spread: number) {
  const moved = Math.abs(error) >= clearOfSpread(spread) ? movedNoise(error, predicted, sign) : 0;
  return untouched * noisyMatch(error, spread) + (1 - untouched) * moved;
}

/** Spreads the hidden part may have, tokens either side; the repeats and the counts weigh them. */
export const SPREADS = [1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20] as const;

/** The chance two identical requests' counts differ by `move` under a spread: the move model against itself. */
function repeatMove(move: number, spread: number): number {
  const { reach, weights } = moveModel(spread);
  let sum = 0;
  for (let j = -reach; j <= reach; j++) {
    const k = j + move;
    if (k >= -reach && k <= reach) sum += weights[j + reach] * weights[k + reach];
  }
  return (1 - JUMP.share) * sum + jumpFloor(move);
}

/** How much each spread is believed from the moves between identical requests alone (a flat prior over SPREADS). */
export function spreadWeights(moves: readonly number[]): number[] {
  const raw = SPREADS.map((w) => moves.reduce((p, d) => p * repeatMove(d, w), 1));
  const total = raw.reduce((a, b) => a + b, 0) || 1;
  return raw.map((r) => r / total);
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
): GroupLikelihoods {
  const G = scored.length;
  const out = { match: new Float64Array(G), derived: new Float64Array(G), offset: new Float64Array(G) };
  const weights = spreadWeights(moves);
  const best = new Float64Array(G).fill(-1);
  SPREADS.forEach((spread, i) => {
    if (weights[i] < 1e-6) return;
    const one = atSpread(signature, totals, M, scored, spread);
    for (let g = 0; g < G; g++) {
      out.match[g] += weights[i] * one.match[g];
      out.derived[g] += weights[i] * one.derived[g];
      if (weights[i] * one.best[g] > best[g]) {
        best[g] = weights[i] * one.best[g];
        out.offset[g] = one.offset[g];
      }
    }
  });
  return out;
}

function atSpread(
  signature: CountSignature,
  totals: ArrayLike<number>,
  M: number,
  scored: ArrayLike<number>,
  spread: number,
): GroupLikelihoods & { best: Float64Array } {
  const K = signature.packs.length;
  const G = scored.length;
  const out = {
    match: new Float64Array(G),
    derived: new Float64Array(G),
    offset: new Float64Array(G),
    best: new Float64Array(G),
  };
  const untouched = signature.packs.map((_, k) => signature.untouched?.[k] ?? UNTOUCHED_PACK);
  const reach = moveModel(spread).reach + 3;
  for (let g = 0; g < G; g++) {
    const m = scored[g];
    const predicted = signature.packs.map((_, k) => totals[k * M + m]);
    const residual = predicted.map((p, k) => signature.observed[k] - p);
    // the constant lies within the hidden part's reach of most residuals: around their median (a jump moves one)
    const middle = Math.round([...residual].sort((a, b) => a - b)[residual.length >> 1] ?? 0);
    const offsets: number[] = [];
    for (let j = -reach; j <= reach; j++) offsets.push(middle + j);
    let matchL = 0;
    let derivedL = 0;
    let best = -1;
    let bestOffset = residual[0] ?? 0;
    for (const offset of offsets) {
      let mm = 1;
      const d = DERIVED_DIRECTIONS.map(() => 1);
      for (let k = 0; k < K; k++) {
        const e = Math.round(residual[k] - offset);
        const exact = noisyMatch(e, spread);
        mm *= exact;
        const touched = signature.packs[k].length > 0;
        for (let dir = 0; dir < d.length; dir++)
          d[dir] *= touched ? noisyDerived(e, predicted[k], untouched[k], DERIVED_DIRECTIONS[dir].sign, spread) : exact;
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
