import type { CountSignature } from '../../signatures/observations.js';
import type { SignatureGroup } from '../hypotheses.js';
import { posterior, type Posterior } from '../posterior.js';
import { emptyScores, type BatchScores } from './batch-scores.js';
import { scoreBatchJs } from './js-batch.js';
import { TOLERANCE, packTotalsJs, prunedPosterior, type PrunedPosterior } from './prefilter.js';

/**
 * exact: the live posterior over every group. js / onnx: the two-stage scorer (bounds from pack
 * totals, then the live posterior on the groups that can matter), its pack totals in plain loops or
 * as onnxruntime matrix products.
 */
export const ENGINES = ['js', 'onnx', 'exact'] as const;
export type Engine = (typeof ENGINES)[number];

/** Groups from which the two-stage scorer is chosen unasked (bench perf: it wins from about here). */
export const PRUNE_MIN_GROUPS = 300;
/** Sets from which a batch's pack totals go to onnxruntime unasked. */
export const ONNX_MIN_SETS = Number.POSITIVE_INFINITY;

export function chooseEngine(sets: number, groups: number, forced?: Engine): Engine {
  if (forced) return forced;
  if (groups < PRUNE_MIN_GROUPS) return 'exact';
  return sets >= ONNX_MIN_SETS ? 'onnx' : 'js';
}

export function parseEngine(value: string | undefined): Engine | undefined {
  if (value === undefined) return undefined;
  if (!(ENGINES as readonly string[]).includes(value))
    throw new Error(`--engine must be ${ENGINES.join(', ')}, not "${value}"`);
  return value as Engine;
}

type Totals = import('./pack-totals-onnx.js').OnnxPackTotals;
const totalsByGroups = new WeakMap<readonly SignatureGroup[], Promise<Totals>>();

/** One onnxruntime session per group list; onnxruntime is loaded only when that path runs. */
export function onnxTotals(groups: readonly SignatureGroup[]): Promise<Totals> {
  let totals = totalsByGroups.get(groups);
  if (!totals) {
    totals = import('./pack-totals-onnx.js').then(({ OnnxPackTotals }) => OnnxPackTotals.create(groups));
    totalsByGroups.set(groups, totals);
  }
  return totals;
}

function record(scores: BatchScores, n: number, post: PrunedPosterior): void {
  const M = scores.groups;
  post.kept.forEach((m, i) => {
    scores.match[n * M + m] = post.groups[i].match;
    scores.derived[n * M + m] = post.groups[i].derived;
    scores.offset[n * M + m] = post.groups[i].offset;
  });
  scores.unknown[n] = post.unknown;
}

/** The count posterior of many observation sets at once; groups the two-stage path leaves out score 0. */
export async function scoreBatch(
  signatures: readonly CountSignature[],
  groups: readonly SignatureGroup[],
  forced?: Engine,
): Promise<BatchScores> {
  const engine = chooseEngine(signatures.length, groups.length, forced);
  if (engine === 'exact') return scoreBatchJs(signatures, groups);
  const scores = emptyScores(signatures.length, groups.length);
  if (engine === 'js')
    signatures.forEach((s, n) => record(scores, n, prunedPosterior(s, groups, packTotalsJs(s, groups))));
  else
    await (await onnxTotals(groups)).forEach(signatures, (n, totals) =>
      record(scores, n, prunedPosterior(signatures[n], groups, totals)),
    );
  return scores;
}

/**
 * The count posterior of one observation set. On the two-stage path `groups` holds only the groups
 * that can matter (see PrunedPosterior), in index order, and at most `tolerance` of the mass is left out.
 */
export async function scorePosterior(
  signature: CountSignature,
  groups: readonly SignatureGroup[],
  forced?: Engine,
  tolerance = TOLERANCE,
): Promise<Posterior | PrunedPosterior> {
  const engine = chooseEngine(1, groups.length, forced);
  if (engine === 'exact') return posterior(signature, groups);
  if (engine === 'js') return prunedPosterior(signature, groups, packTotalsJs(signature, groups), tolerance);
  let result: PrunedPosterior | undefined;
  await (await onnxTotals(groups)).forEach(
    [signature],
    (_, totals) => (result = prunedPosterior(signature, groups, totals, tolerance)),
  );
  return result!;
}
