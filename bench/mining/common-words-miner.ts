import { seededRng } from '../../src/util/rng.js';
import type { MinerReference } from './miner.js';
import type { Probe, ProbeCategory } from '../../src/probes/probe.js';

export const ONE_WORD = /^ ?[\p{L}\p{M}]{2,}$/u;
/** Scripts written with spaces between words take whole words only (a vocabulary entry after a space). */
export const SCRIPTS: readonly {
  category: ProbeCategory;
  name: string;
  pattern: RegExp;
  spaced: boolean;
  minLength: number;
}[] = [
  { category: 'words', name: 'latin', pattern: /^\p{Script=Latin}/u, spaced: true, minLength: 5 },
  { category: 'cyrillic', name: 'cyrillic', pattern: /^\p{Script=Cyrillic}/u, spaced: true, minLength: 5 },
  {
    category: 'cjk',
    name: 'cjk',
    pattern: /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u,
    spaced: false,
    minLength: 2,
  },
  {
    category: 'indic',
    name: 'indic',
    pattern:
      /^[\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Tamil}\p{Script=Telugu}\p{Script=Gujarati}\p{Script=Kannada}\p{Script=Malayalam}]/u,
    spaced: true,
    minLength: 3,
  },
  { category: 'arabic', name: 'arabic', pattern: /^\p{Script=Arabic}/u, spaced: true, minLength: 4 },
  { category: 'thai', name: 'thai', pattern: /^\p{Script=Thai}/u, spaced: false, minLength: 4 },
  {
    category: 'other-script',
    name: 'greek-hebrew',
    pattern: /^[\p{Script=Greek}\p{Script=Hebrew}\p{Script=Armenian}\p{Script=Georgian}]/u,
    spaced: true,
    minLength: 4,
  },
];

export interface CommonWordsOptions {
  seed: number;
  /** Words are common when this many families hold them as one token. */
  minFamilies?: number;
  wordsPerProbe?: number;
  probesPerScript?: number;
  taken?: ReadonlySet<string>;
}

/**
 * Probes of the words many vocabularies hold whole, per script, most frequent first (a low id in a BPE
 * vocabulary means a frequent string). A team extending a vocabulary with a language adds exactly such
 * words, so wherever a tokenizer splits them an extended copy of it counts fewer tokens.
 */
export function mineCommonWordProbes(
  references: readonly (MinerReference & { family: string })[],
  options: CommonWordsOptions,
): Probe[] {
  const minFamilies = options.minFamilies ?? 3;
  const perProbe = options.wordsPerProbe ?? 6;
  const perScript = options.probesPerScript ?? 10;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const allFamilies = new Set(references.map((r) => r.family)).size;
  const stats = new Map<string, { families: Set<string>; rankSum: number; seen: number; spaced: boolean }>();
  for (const { tokenizer, family } of references) {
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const bytes = tokenizer.tokenBytes(id);
      if (!bytes || bytes.length < 2) continue;
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        continue;
      }
      if (!ONE_WORD.test(text) || text.normalize('NFC') !== text) continue;
      const word = text.trimStart();
      const entry = stats.get(word) ?? { families: new Set<string>(), rankSum: 0, seen: 0, spaced: false };
      entry.families.add(family);
      if (text !== word) entry.spaced = true;
      entry.rankSum += id / tokenizer.vocabSize;
      entry.seen++;
      stats.set(word, entry);
    }
  }
  const taken = new Set(options.taken);
  const rng = seededRng(options.seed);
  const probes: Probe[] = [];
  for (const script of SCRIPTS) {
    const words = [...stats]
      // Held whole by several families but split by some: a word every vocabulary holds tells nothing.
      .filter(
        ([word, s]) =>
          s.families.size >= minFamilies &&
          s.families.size <= allFamilies - 2 &&
          script.pattern.test(word) &&
          !/^\p{M}/u.test(word),
      )
      .filter(([word, s]) => (s.spaced || !script.spaced) && [...word].length >= script.minLength && !taken.has(word))
      .sort(([a, x], [b, y]) => x.rankSum / x.seen - y.rankSum / y.seen || (a < b ? -1 : 1))
      .slice(0, perProbe * perScript)
      .map(([word]) => word);
    const order = rng.shuffle(words);
    for (let k = 0; k * perProbe < order.length && k < perScript; k++) {
      const chosen = order.slice(k * perProbe, (k + 1) * perProbe);
      if (chosen.length < perProbe) break;
      const text = chosen.join(' ');
      if (taken.has(text)) continue;
      taken.add(text);
      const holders = [...new Set(chosen.flatMap((word) => [...stats.get(word)!.families]))].sort();
      probes.push({
        id: `common-${script.name}-${String(k + 1).padStart(3, '0')}`,
        text,
        category: script.category,
        why: `frequent ${script.name} words that some tokenizer families (at least ${minFamilies}) hold whole and others split: a vocabulary extended with this language joins what it split`,
        source: 'mined',
        from: holders.join(','),
        seed: options.seed,
      });
    }
  }
  return probes;
}
