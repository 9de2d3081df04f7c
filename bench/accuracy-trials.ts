import type { ReferenceEntry } from '../src/references/manifest.js';
import type { Tokenizer, TokenizerFiles } from '../src/references/tokenizer.js';
import type { Rng } from '../src/util/rng.js';
import type { VocabularyChange } from '../src/targets/vocabulary-changes.js';

export const BENCH_TEMPLATES = ['chatml', 'llama3', 'gemma', 'mistral', 'plain'] as const;
export const MAX_SYSTEM_CHARS = 4000;

export interface LoadedBenchReference {
  entry: ReferenceEntry;
  files: TokenizerFiles;
  tokenizer: Tokenizer;
}

export interface SimSetup {
  template: string;
  systemChars: number;
  seed: number;
}

export function randomSetup(rng: Rng): SimSetup {
  return { template: rng.pick(BENCH_TEMPLATES), systemChars: rng.int(0, MAX_SYSTEM_CHARS), seed: rng.int(1, 1_000_000) };
}

export interface DerivedVariant {
  label: string;
  changes: VocabularyChange[];
}

/** Digit runs the base groups (e.g. up to three) can be split into single digits; otherwise punctuation is isolated. */
function groupsDigits(tokenizer: Tokenizer): boolean {
  return tokenizer.encode('12345678').length < 8;
}

/** One modification of each kind the issue names: tokens added from another family, merges removed, a changed pre-tokenizer. */
export function derivedVariants(base: LoadedBenchReference, donors: readonly LoadedBenchReference[], rng: Rng): DerivedVariant[] {
  const donor = rng.pick(donors.filter((d) => d.entry.family !== base.entry.family));
  const added = rng.int(1000, 30000);
  const dropped = rng.int(2000, 20000);
  const split = groupsDigits(base.tokenizer) ? 'digits' : 'punctuation';
  return [
    { label: `add ${added} from ${donor.entry.id}`, changes: [{ kind: 'add-tokens', count: added, donor: donor.tokenizer, donorId: donor.entry.id }] },
    { label: `drop ${dropped} merges`, changes: [{ kind: 'drop-merges', count: dropped }] },
    { label: `pre-tokenizer: ${split}`, changes: [{ kind: 'pre-tokenizer', split }] },
  ];
}
