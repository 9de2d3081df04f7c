import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMAIN_FILE } from '../src/probes/pool-file.js';
import type { ReferenceEntry } from '../src/references/manifest.js';
import type { Tokenizer, TokenizerFiles } from '../src/references/tokenizer.js';
import { seededRng, type Rng } from '../src/util/rng.js';
import { chatTemplate } from '../src/targets/chat-templates.js';
import { simulatedTarget, type SimulatedApi } from '../src/targets/sim-target.js';
import { hiddenSystemPrompt } from '../src/targets/system-prompts.js';
import type { Target } from '../src/targets/target.js';
import { applyVocabularyChanges, type VocabularyChange } from '../src/targets/vocabulary-changes.js';

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
  return {
    template: rng.pick(BENCH_TEMPLATES),
    systemChars: rng.int(0, MAX_SYSTEM_CHARS),
    seed: rng.int(1, 1_000_000),
  };
}

/** A simulated target of a setup: its template and hidden prompt, answering as `answers` says when given. */
export function setupTarget(
  tokenizer: Tokenizer,
  setup: SimSetup,
  id: string,
  answers?: SimulatedApi['answers'],
): Target {
  return simulatedTarget({
    id,
    description: id,
    tokenizer,
    template: chatTemplate(setup.template),
    hiddenSystemPrompt: hiddenSystemPrompt(setup.systemChars, seededRng(setup.seed)),
    ...(answers && { answers }),
  });
}

export interface DerivedVariant {
  label: string;
  changes: VocabularyChange[];
}

/** Digit runs the base groups (e.g. up to three) can be split into single digits; otherwise punctuation is isolated. */
function groupsDigits(tokenizer: Tokenizer): boolean {
  return tokenizer.encode('12345678').length < 8;
}

/** Domains a team extends a vocabulary with: a script, a language's letters, or code identifiers. */
const DOMAINS: readonly { name: string; pattern: RegExp }[] = [
  { name: 'Latin words', pattern: /^ ?\p{Script=Latin}+$/u },
  { name: 'CJK', pattern: /^ ?[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+$/u },
  { name: 'Cyrillic', pattern: /^ ?\p{Script=Cyrillic}+$/u },
  {
    name: 'Indic and Arabic',
    pattern: /^ ?[\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Tamil}\p{Script=Arabic}\p{M}]+$/u,
  },
  { name: 'any script', pattern: /^/u },
];

/** The donor's vocabulary seen through one domain: entries outside it are hidden from the change. */
function domainDonor(donor: Tokenizer, pattern: RegExp): Tokenizer {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const tokenBytes = (id: number) => {
    const bytes = donor.tokenBytes(id);
    if (!bytes) return undefined;
    try {
      return pattern.test(decoder.decode(bytes)) ? bytes : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    ...donor,
    vocabSize: donor.vocabSize,
    encode: (t: string) => donor.encode(t),
    tokenString: (id: number) => donor.tokenString(id),
    tokenBytes,
  };
}

/**
 * Modifications of the kinds the issue names, drawn at random per reference: 1k-30k tokens of one
 * domain added from another family's vocabulary, 2k-20k merges removed, a changed pre-tokenizer, or
 * an extension together with pruning.
 */
export function derivedVariants(
  base: LoadedBenchReference,
  donors: readonly LoadedBenchReference[],
  rng: Rng,
  count = 2,
): DerivedVariant[] {
  const others = donors.filter((d) => d.entry.family !== base.entry.family);
  const addition = (): DerivedVariant => {
    const donor = rng.pick(others);
    const domain = rng.pick(DOMAINS);
    const added = rng.int(1000, 30000);
    return {
      label: `add ${added} ${domain.name} from ${donor.entry.id}`,
      changes: [
        {
          kind: 'add-tokens',
          count: added,
          donor: domainDonor(donor.tokenizer, domain.pattern),
          donorId: donor.entry.id,
        },
      ],
    };
  };
  const pruning = (): DerivedVariant => {
    const dropped = rng.int(2000, 20000);
    return { label: `drop ${dropped} merges`, changes: [{ kind: 'drop-merges', count: dropped }] };
  };
  const pretokenizer = (): DerivedVariant => {
    const split = groupsDigits(base.tokenizer) && rng.next() < 0.6 ? 'digits' : 'punctuation';
    return { label: `pre-tokenizer: ${split}`, changes: [{ kind: 'pre-tokenizer', split }] };
  };
  const both = (): DerivedVariant => {
    const a = addition();
    const b = pruning();
    return { label: `${a.label}, ${b.label}`, changes: [...b.changes, ...a.changes] };
  };
  // an extension needs a donor of another family: without one loaded, only the changes made in place are drawn
  const kinds = others.length ? [addition, addition, pruning, pretokenizer, both] : [pruning, pretokenizer];
  return Array.from({ length: count }, () => rng.pick(kinds)());
}

/** A derived tokenizer as the bench sends it: what was changed, and the result. */
export interface DerivedTarget {
  label: string;
  tokenizer: Tokenizer;
}

/** Fewest new vocabulary entries an extension must really add (a donor may hold few words the base lacks). */
export const MIN_REALLY_ADDED = 1000;

/**
 * Draws modifications and applies them; an extension whose donor domain the base already covers adds
 * next to nothing, is no derived tokenizer at all, and is drawn again.
 */
export function derivedTargets(
  base: LoadedBenchReference,
  donors: readonly LoadedBenchReference[],
  rng: Rng,
  count = 2,
): DerivedTarget[] {
  const targets: DerivedTarget[] = [];
  while (targets.length < count) {
    for (let attempt = 0; ; attempt++) {
      const [variant] = derivedVariants(base, donors, rng, 1);
      const tokenizer = applyVocabularyChanges(base.files, base.tokenizer, variant.changes);
      const extension = variant.changes.some((c) => c.kind === 'add-tokens');
      const grown = tokenizer.vocabSize - base.tokenizer.vocabSize;
      if (!extension || grown >= MIN_REALLY_ADDED || attempt >= 12) {
        targets.push({ label: extension ? `${variant.label} (${grown} new entries)` : variant.label, tokenizer });
        break;
      }
    }
  }
  return targets;
}

/** The handwritten domain terms (medicine, law, finance, chemistry, code identifiers, German), one list of words. */
export function domainWords(poolDir: string): string[] {
  const lines = readFileSync(join(poolDir, DOMAIN_FILE), 'utf8').split('\n').filter(Boolean);
  return lines.flatMap((line) => (JSON.parse(line) as { text: string }).text.split(' '));
}

/** A word list seen as a donor vocabulary: entry i is " word" (the word after a space, as in running text). */
function wordListDonor(words: readonly string[]): Tokenizer {
  const encoder = new TextEncoder();
  return {
    format: 'hf-json',
    vocabSize: words.length,
    specialTokens: [],
    contentHash: '',
    encode: () => [],
    tokenString: (id) => (id < words.length ? ` ${words[id]}` : undefined),
    tokenBytes: (id) => (id < words.length ? encoder.encode(` ${words[id]}`) : undefined),
  };
}

/**
 * A fine-tuner's domain extension: the base extended by a seeded half of the domain terms (the edge
 * check's domain probes hold all of them, so about half the words it sends are ones the copy added).
 */
export function domainTarget(base: LoadedBenchReference, words: readonly string[], rng: Rng): DerivedTarget {
  const half = rng.shuffle([...words]).slice(0, Math.ceil(words.length / 2));
  const tokenizer = applyVocabularyChanges(base.files, base.tokenizer, [
    { kind: 'add-tokens', count: half.length, donor: wordListDonor(half), donorId: 'domain terms' },
  ]);
  return { label: `domain words: ${tokenizer.vocabSize - base.tokenizer.vocabSize} new entries`, tokenizer };
}
