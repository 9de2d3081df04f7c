import { seededRng, seedFromString } from '../../src/util/rng.js';
import { ONE_WORD, SCRIPTS } from './common-words-miner.js';
import type { MinerReference } from './miner.js';
import type { Probe } from '../../src/probes/probe.js';

export interface ExtensionOptions {
  seed: number;
  wordsPerProbe?: number;
  probesPerScript?: number;
  taken?: ReadonlySet<string>;
}

/** A family's one-word entries: the word (without its leading space) and its rank as a share of the vocabulary. */
interface FamilyWords {
  family: string;
  /** Words entered after a space (the form running text of a spaced script uses). */
  spaced: Map<string, number>;
  /** Words entered without one. */
  bare: Map<string, number>;
}

function familyWords(family: string, tokenizer: MinerReference['tokenizer']): FamilyWords {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const words: FamilyWords = { family, spaced: new Map(), bare: new Map() };
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
    const into = word === text ? words.bare : words.spaced;
    if (!into.has(word)) into.set(word, id / tokenizer.vocabSize);
  }
  return words;
}

/**
 * Per family and script: the words other families hold whole (most frequent there first: a low id in a
 * BPE vocabulary is a frequent string) that this family splits, in running text. A team extending a
 * vocabulary with a language adds such words, so an extended copy of the family counts them in fewer
 * tokens. Common words many vocabularies share tell the families apart; these test one family's edges,
 * where a vocabulary as large as Qwen's still has gaps only other vocabularies show.
 */
export function mineExtensionProbes(
  references: readonly (MinerReference & { family: string })[],
  options: ExtensionOptions,
): Probe[] {
  const perProbe = options.wordsPerProbe ?? 6;
  const perScript = options.probesPerScript ?? 2;
  const seen = new Set<string>();
  const families: FamilyWords[] = [];
  for (const { family, tokenizer } of references) {
    if (seen.has(family)) continue;
    seen.add(family);
    families.push(familyWords(family, tokenizer));
  }
  const taken = new Set(options.taken);
  const probes: Probe[] = [];
  for (const base of families) {
    const rng = seededRng(seedFromString(base.family, options.seed));
    for (const script of SCRIPTS) {
      const held = (f: FamilyWords) => (script.spaced ? f.spaced : f.bare);
      const best = new Map<string, number>();
      for (const other of families) {
        if (other === base) continue;
        for (const [word, rank] of held(other)) {
          if (!script.pattern.test(word) || /^\p{M}/u.test(word) || [...word].length < script.minLength) continue;
          if (held(base).has(word) || taken.has(word)) continue;
          best.set(word, Math.min(rank, best.get(word) ?? 1));
        }
      }
      const words = [...best]
        .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1))
        .slice(0, perProbe * perScript)
        .map(([word]) => word);
      const order = rng.shuffle(words);
      for (let k = 0; (k + 1) * perProbe <= order.length && k < perScript; k++) {
        const chosen = order.slice(k * perProbe, (k + 1) * perProbe);
        const text = chosen.join(script.spaced ? ' ' : '');
        if (taken.has(text)) continue;
        taken.add(text);
        chosen.forEach((word) => taken.add(word));
        probes.push({
          id: `ext-${base.family}-${script.name}-${String(k + 1).padStart(3, '0')}`,
          text,
          category: script.category,
          why: `frequent ${script.name} words other families hold whole and ${base.family} splits: a copy of ${base.family} extended with this script counts them in fewer tokens`,
          source: 'mined',
          from: base.family,
          seed: options.seed,
        });
      }
    }
  }
  return probes;
}
