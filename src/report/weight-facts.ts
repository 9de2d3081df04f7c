import type { RunReport } from './run-report.js';

/** One stored base model's weight comparison as a report shows it. */
export interface WeightRow {
  reference: string;
  verdict: string;
  score: number;
  threshold: number;
}

/** What a white-box run's weights showed against the stored base models' fingerprints. */
export interface WeightFacts {
  headline: string;
  rows: WeightRow[];
  bytesRead?: number;
  checkpointBytes?: number;
  best: WeightRow;
}

export const WEIGHTS_METHOD =
  'Weights: sampled embedding rows of tokens both vocabularies hold and per-head attention patterns between them, compared with each stored base model fingerprint in ways that survive permuted or rescaled hidden units, quantization and added vocabulary. same-lineage means the weights descend from the same trained parameters (a fine-tune, merge, quantization or disguised copy); it does not rule out distillation when it says independent.';

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The weight evidence a white-box run recorded, or undefined when it has none. */
export function weightFacts(report: RunReport): WeightFacts | undefined {
  return weightFactsOf((report.verdict as { weights?: unknown }).weights);
}

/**
 * Weight evidence as identify computed or verdict.json holds it. Read field by field: verdict.json may
 * have been edited by hand, and a report of it must not fail on a mistyped part.
 */
export function weightFactsOf(value: unknown): WeightFacts | undefined {
  const raw = value as { ranking?: unknown; bytesRead?: unknown; checkpointBytes?: unknown } | undefined;
  if (!raw || !Array.isArray(raw.ranking)) return undefined;
  const rows = raw.ranking.flatMap((entry): WeightRow[] => {
    const c = (entry ?? {}) as Record<string, unknown>;
    if (typeof c.reference !== 'string' || typeof c.verdict !== 'string' || !finite(c.score) || !finite(c.threshold))
      return [];
    return [{ reference: c.reference, verdict: c.verdict, score: c.score, threshold: c.threshold }];
  });
  const [best] = rows;
  if (!best) return undefined;
  const headline =
    best.verdict === 'same-lineage'
      ? `weights: same-lineage with ${best.reference} (score ${best.score.toFixed(3)}, threshold ${best.threshold})`
      : `weights: independent of every stored base (best ${best.reference}, score ${best.score.toFixed(3)}, threshold ${best.threshold})`;
  return {
    headline,
    rows,
    best,
    ...(finite(raw.bytesRead) && { bytesRead: raw.bytesRead }),
    ...(finite(raw.checkpointBytes) && { checkpointBytes: raw.checkpointBytes }),
  };
}

/** The headline and the runners-up, a line each, as the terminal shows them. */
export function weightLines(facts: WeightFacts, runnersUp = 2): string[] {
  return [
    facts.headline,
    ...facts.rows.slice(1, 1 + runnersUp).map((w) => `  vs ${w.reference}: ${w.verdict}, score ${w.score.toFixed(3)}`),
  ];
}

/** "16.5 MiB of 1,981 MiB read" or undefined. */
export function weightReadText(facts: WeightFacts): string | undefined {
  if (facts.bytesRead === undefined || facts.checkpointBytes === undefined) return undefined;
  const mib = (n: number) => `${(n / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 1 })} MiB`;
  return `${mib(facts.bytesRead)} of ${mib(facts.checkpointBytes)} read`;
}
