import {
  fineTuned,
  loraMerged,
  permutedAndRescaled,
  randomModel,
  type TinyModel,
  vocabularyExtended,
} from './tiny-checkpoints.js';

/** How a suite model is written: a safetensors directory (one file or shards) or a GGUF file of a given type. */
export type SuiteFormat =
  | { as: 'safetensors'; type: 'F32' | 'F16' | 'BF16'; shards?: number }
  | { as: 'gguf'; type: 'F16' | 'Q8_0' | 'Q4_0' | 'Q4_K' | 'Q6_K' };

export interface SuiteCase {
  name: string;
  derived: boolean;
  make: () => TinyModel;
  format: SuiteFormat;
}

/**
 * The lineage suite on tiny models built here (seeded, no downloads): copies derived from `suiteBase` the ways
 * lineage must see through, and independently initialised models of the same shape. Shared by the tests and the
 * lineage bench, so the bench's AUC is over the same models the tests check.
 */
export const suiteBase = (): TinyModel => randomModel(1);

export function suiteCases(base: TinyModel): SuiteCase[] {
  const st = (type: 'F32' | 'F16' | 'BF16' = 'F32', shards = 1): SuiteFormat => ({ as: 'safetensors', type, shards });
  const gguf = (type: 'F16' | 'Q8_0' | 'Q4_0' | 'Q4_K' | 'Q6_K'): SuiteFormat => ({ as: 'gguf', type });
  return [
    { name: 'same weights, sharded BF16 copy', derived: true, make: () => base, format: st('BF16', 3) },
    { name: 'dense-noise fine-tune', derived: true, make: () => fineTuned(base, 11), format: st() },
    { name: 'low-rank (LoRA) merge', derived: true, make: () => loraMerged(base, 12), format: st('F16') },
    { name: 'fine-tune of a fine-tune', derived: true, make: () => fineTuned(fineTuned(base, 13), 14), format: st() },
    {
      name: 'continued pre-training with 128 appended tokens',
      derived: true,
      make: () => vocabularyExtended(base, 15),
      format: st('F32', 3),
    },
    { name: 'Q8_0 GGUF', derived: true, make: () => base, format: gguf('Q8_0') },
    { name: 'Q4_0 GGUF', derived: true, make: () => base, format: gguf('Q4_0') },
    { name: 'Q4_K GGUF of a fine-tune', derived: true, make: () => fineTuned(base, 16), format: gguf('Q4_K') },
    { name: 'Q6_K GGUF', derived: true, make: () => base, format: gguf('Q6_K') },
    {
      name: 'hidden-unit permuted and rescaled',
      derived: true,
      make: () => permutedAndRescaled(base, 17),
      format: st(),
    },
    {
      name: 'permuted, rescaled and then fine-tuned',
      derived: true,
      make: () => fineTuned(permutedAndRescaled(base, 18), 19),
      format: st(),
    },
    {
      name: 'permuted and rescaled, as Q4_K GGUF',
      derived: true,
      make: () => permutedAndRescaled(base, 20),
      format: gguf('Q4_K'),
    },
    { name: 'independent init (seed 2)', derived: false, make: () => randomModel(2), format: st() },
    {
      name: 'independent init (seed 3), fine-tuned',
      derived: false,
      make: () => fineTuned(randomModel(3), 21),
      format: st(),
    },
    {
      name: 'independent init (seed 4), permuted and rescaled',
      derived: false,
      make: () => permutedAndRescaled(randomModel(4), 22),
      format: st(),
    },
    {
      name: 'independent init (seed 5) with appended tokens',
      derived: false,
      make: () => vocabularyExtended(randomModel(5), 23),
      format: st(),
    },
    {
      name: 'independent init (seed 6) as Q4_K GGUF',
      derived: false,
      make: () => randomModel(6),
      format: gguf('Q4_K'),
    },
  ];
}

/** Area under the ROC curve of derived over independent scores (ties count half). */
export function auc(scores: { derived: boolean; score: number }[]): number {
  const pos = scores.filter((s) => s.derived);
  const neg = scores.filter((s) => !s.derived);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}
