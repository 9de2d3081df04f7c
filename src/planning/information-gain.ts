import { seamNoise } from '../scoring/noise.js';

export interface GainHypothesis {
  /** Predicted pack total, relative to the bare frame. */
  predicted: number;
  weight: number;
}

/**
 * Expected information gain (bits) of one request whose outcome is its count relative to the frame:
 * each hypothesis predicts a value up to seam noise; `unknown` spreads evenly over [lo, hi].
 */
export function expectedInformationGain(
  hypotheses: readonly GainHypothesis[],
  unknownWeight: number,
  lo: number,
  hi: number,
): number {
  const width = Math.max(1, hi - lo + 1);
  const outcomes = new Set<number>();
  for (const h of hypotheses) if (h.weight > 1e-9) for (let j = -3; j <= 3; j++) outcomes.add(h.predicted + j);
  let gain = 0;
  let unknownCovered = 0;
  const n = hypotheses.length;
  const likelihoods = new Float64Array(n);
  for (const z of outcomes) {
    for (let i = 0; i < n; i++) likelihoods[i] = noiseOf(z - hypotheses[i].predicted);
    const unknownL = z >= lo && z <= hi ? 1 / width : 0;
    if (unknownL) unknownCovered++;
    let evidence = unknownWeight * unknownL;
    for (let i = 0; i < n; i++) evidence += hypotheses[i].weight * likelihoods[i];
    if (evidence <= 0) continue;
    for (let i = 0; i < n; i++) {
      const weight = hypotheses[i].weight;
      if (weight > 0 && likelihoods[i] > 0) gain += weight * likelihoods[i] * Math.log2(likelihoods[i] / evidence);
    }
    if (unknownL > 0 && unknownWeight > 0) gain += unknownWeight * unknownL * Math.log2(unknownL / evidence);
  }
  // Outcomes no hypothesis predicts: only `unknown` explains them, which then becomes certain.
  const rest = Math.max(0, width - unknownCovered);
  if (unknownWeight > 0 && rest > 0) gain += unknownWeight * (rest / width) * Math.log2(1 / unknownWeight);
  return gain;
}

/**
 * seamNoise of whole-number errors, remembered: the planner weighs every stratum's pack over every
 * outcome and hypothesis, and the geometric tail's Math.pow was most of that. Same doubles as seamNoise.
 */
const NOISE_TABLE = new Float64Array(1024).fill(Number.NaN);

function noiseOf(error: number): number {
  const e = Math.abs(error);
  if (!Number.isInteger(e) || e >= NOISE_TABLE.length) return seamNoise(error);
  let value = NOISE_TABLE[e];
  if (Number.isNaN(value)) value = NOISE_TABLE[e] = seamNoise(e);
  return value;
}
