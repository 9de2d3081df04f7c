import type { CountSignature } from '../../signatures/observations.js';
import type { SignatureGroup } from '../hypotheses.js';
import { posterior, type Posterior } from '../posterior.js';
import { emptyScores, type BatchScores } from './batch-scores.js';
import { scoreBatchJs } from './js-batch.js';
import { TOLERANCE, packTotalsJs, prunedPosterior, type PrunedPosterior } from './prefilter.js';

/**
 * exact: the live posterior over every group. js: the two-stage scorer (bounds from pack totals, then
 * the live posterior on the groups that can matter).
 */
export const ENGINES = ['js', 'exact'] as const;
export type Engine = (typeof ENGINES)[number];

/** Groups from which the two-stage scorer is chosen unasked (bench perf: it wins from about here). */
export const PRUNE_MIN_GROUPS = 300;

export function chooseEngine(groups: number, forced?: Engine): Engine {
  if (forced) return forced;
  return groups < PRUNE_MIN_GROUPS ? 'exact' : 'js';
}

export function parseEngine(value: string | undefined): Engine | undefined {
  if (value === undefined) return undefined;
  // onnxruntime computed the same pack totals as js, slower at every index size bench perf tried
  if (value === 'onnx') throw new Error('--engine onnx is no longer offered; --engine js scores the same way, faster');
  if (!(ENGINES as readonly string[]).includes(value))
    throw new Error(`--engine must be ${ENGINES.join(' or ')}, not "${value}"`);
  return value as Engine;
}

/**
 * The scoring path a run recorded. Runs recorded with the onnx path continue on js: both computed the
 * same pack totals, so the resumed run plans the same requests.
 */
export function recordedEngine(value: string | undefined): Engine | undefined {
  return parseEngine(value === 'onnx' ? 'js' : value);
}

/**
 * Whether a signature holds a pack whose moves the two-stage scorer's bounds do not cover (a core check, moved by a
 * few tokens at most): such a signature is scored exactly.
 */
function boundsMiss(signature: CountSignature): boolean {
  return signature.coreOf?.some((reference) => reference) ?? false;
}

/** The exact posterior in the two-stage path's shape: every group kept, none left out. */
function exactAsPruned(signature: CountSignature, groups: readonly SignatureGroup[]): PrunedPosterior {
  return { ...posterior(signature, groups), kept: groups.map((_, m) => m), omittedMass: 0 };
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
export function scoreBatch(
  signatures: readonly CountSignature[],
  groups: readonly SignatureGroup[],
  forced?: Engine,
): BatchScores {
  if (chooseEngine(groups.length, forced) === 'exact') return scoreBatchJs(signatures, groups);
  const scores = emptyScores(signatures.length, groups.length);
  signatures.forEach((s, n) =>
    record(scores, n, boundsMiss(s) ? exactAsPruned(s, groups) : prunedPosterior(s, groups, packTotalsJs(s, groups))),
  );
  return scores;
}

/**
 * The count posterior of one observation set. On the two-stage path `groups` holds only the groups
 * that can matter (see PrunedPosterior), in index order, and at most `tolerance` of the mass is left out.
 */
export function scorePosterior(
  signature: CountSignature,
  groups: readonly SignatureGroup[],
  forced?: Engine,
  tolerance = TOLERANCE,
): Posterior | PrunedPosterior {
  if (chooseEngine(groups.length, forced) === 'exact') return posterior(signature, groups);
  if (boundsMiss(signature)) return exactAsPruned(signature, groups);
  return prunedPosterior(signature, groups, packTotalsJs(signature, groups), tolerance);
}
