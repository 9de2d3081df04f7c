import type { CountSignature } from '../../signatures/observations.js';
import type { SignatureGroup } from '../hypotheses.js';
import { posterior, type Posterior } from '../posterior.js';
import { posteriorOf, type BatchScores } from './batch-scores.js';
import { scoreBatchJs } from './js-batch.js';

export const ENGINES = ['js', 'onnx'] as const;
export type Engine = (typeof ENGINES)[number];

/**
 * (set, group) pairs from which the graph path is chosen unasked. The exact graph is not yet faster
 * than the plain path (bench perf: 0.6x at 1k-10k references, its elementwise offset sum dominates),
 * so automatic choice stays on the plain path until a prefilter makes the graph win.
 */
export const ONNX_MIN_PAIRS = Number.POSITIVE_INFINITY;

export function chooseEngine(sets: number, groups: number, forced?: Engine): Engine {
  return forced ?? (sets * groups >= ONNX_MIN_PAIRS ? 'onnx' : 'js');
}

export function parseEngine(value: string | undefined): Engine | undefined {
  if (value === undefined) return undefined;
  if (!(ENGINES as readonly string[]).includes(value)) throw new Error(`--engine must be ${ENGINES.join(' or ')}, not "${value}"`);
  return value as Engine;
}

type Scorer = import('./onnx-batch.js').OnnxScorer;
const scorers = new WeakMap<readonly SignatureGroup[], Promise<Scorer>>();

/** One compiled graph per group list; onnxruntime is loaded only when the graph path runs. */
function onnxScorer(groups: readonly SignatureGroup[]): Promise<Scorer> {
  let scorer = scorers.get(groups);
  if (!scorer) {
    scorer = import('./onnx-batch.js').then(({ OnnxScorer }) => OnnxScorer.create(groups));
    scorers.set(groups, scorer);
  }
  return scorer;
}

/** The count posterior of many observation sets at once, on the engine the size calls for. */
export async function scoreBatch(signatures: readonly CountSignature[], groups: readonly SignatureGroup[], forced?: Engine): Promise<BatchScores> {
  if (chooseEngine(signatures.length, groups.length, forced) === 'js') return scoreBatchJs(signatures, groups);
  return (await onnxScorer(groups)).score(signatures);
}

/** The count posterior of one observation set, as `posterior` returns it. */
export async function scorePosterior(signature: CountSignature, groups: readonly SignatureGroup[], forced?: Engine): Promise<Posterior> {
  if (chooseEngine(1, groups.length, forced) === 'js') return posterior(signature, groups);
  return posteriorOf(await (await onnxScorer(groups)).score([signature]), 0, signature, groups);
}
