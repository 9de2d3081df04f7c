import type { NumberRange } from '../util/bounded-number.js';

/** The range of every numeric flag, shown in --help and enforced when parsed. */
export const FLAG_RANGES = {
  maxQueries: { min: 1, max: 1000, whole: true },
  maxPromptTokens: { min: 1, max: 100_000_000, whole: true },
  noiseQueries: { min: 1, max: 1000, whole: true },
  seed: { min: 0, max: 2 ** 32 - 1, whole: true },
  retries: { min: 0, max: 20, whole: true },
  timeout: { min: 0.1, max: 3600, whole: false },
  concurrency: { min: 1, max: 64, whole: true },
  rate: { min: 0.01, max: 1000, whole: false },
  logprobs: { min: 0, max: 20, whole: true },
  maxResponseBytes: { min: 1024, max: 1024 ** 3, whole: true },
  maxStreamEvents: { min: 1, max: 10_000_000, whole: true },
} satisfies Record<string, NumberRange>;

/** `1-1,000` for a help line. */
export function rangeText(range: NumberRange): string {
  return `${range.min.toLocaleString('en-US')}-${range.max.toLocaleString('en-US')}`;
}
