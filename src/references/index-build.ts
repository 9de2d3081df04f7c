import type { ReferenceEntry } from './manifest.js';
import type { Tokenizer } from './tokenizer.js';
import { baseVocabularyKeys, TRICKY_STRINGS, vocabularyDifferenceTexts, vocabularySample } from './class-corpus.js';
import { sha256Hex } from '../util/hash.js';
import { vocabFingerprint, type VocabFingerprint } from './fingerprint.js';

export interface IndexedReference {
  id: string;
  family: string;
  /** Id of the tokenizer class: every member encodes ordinary text identically. */
  class: string;
  contentHash: string;
  vocabSize: number;
  specialTokens: number;
  format: string;
  /** A compact summary of the vocabulary for white-box ranking without the full file. */
  fingerprint: VocabFingerprint;
}

export interface TokenizerClass {
  id: string;
  family: string;
  members: string[];
  models: string[];
}

export interface ReferenceIndex {
  schema: 1;
  /** How classes were decided: every member segments each of `corpusSize` strings identically. */
  corpusSize: number;
  corpusHash: string;
  classes: TokenizerClass[];
  references: IndexedReference[];
}

export interface LoadedReference {
  entry: ReferenceEntry;
  tokenizer: Tokenizer;
}

const SAMPLE_PER_REFERENCE = 1500;

/** The corpus that decides classes: fixed tricky text plus a slice of every reference's own vocabulary. */
export function classCorpus(references: readonly LoadedReference[]): string[] {
  const corpus = new Set<string>(TRICKY_STRINGS);
  for (const { tokenizer } of references) {
    const sample = vocabularySample(tokenizer, SAMPLE_PER_REFERENCE);
    // Joined in small groups so seams between tokens are exercised as well as the tokens themselves.
    for (let i = 0; i < sample.length; i += 5) corpus.add(sample.slice(i, i + 5).join(' '));
  }
  return [...corpus];
}

/** One string per corpus entry describing how the tokenizer splits it, by token bytes (ids differ across formats). */
export function segmentationKey(tokenizer: Tokenizer, corpus: readonly string[]): string {
  const parts: string[] = [];
  for (const text of corpus) {
    const pieces = tokenizer.encode(text).map((id) => Buffer.from(tokenizer.tokenBytes(id) ?? []).toString('hex'));
    parts.push(pieces.join('.'));
  }
  return sha256Hex(parts.join('\n'));
}

/** Same split of every given text, compared by token bytes. */
function segmentsAlike(a: Tokenizer, b: Tokenizer, texts: readonly string[]): boolean {
  return texts.every((text) => segmentationKey(a, [text]) === segmentationKey(b, [text]));
}

/**
 * Groups references into tokenizer classes: identical segmentation of the class corpus, and of every
 * base-vocabulary token one member has and another lacks. Added and special tokens do not count: a
 * class describes how ordinary text is split. A class takes its id from its first member in manifest order.
 */
export function buildReferenceIndex(references: readonly LoadedReference[]): ReferenceIndex {
  const corpus = classCorpus(references);
  const byKey = new Map<string, LoadedReference[][]>();
  for (const reference of references) {
    const key = segmentationKey(reference.tokenizer, corpus);
    const groups = byKey.get(key) ?? [];
    byKey.set(key, groups);
    const keys = baseVocabularyKeys(reference.tokenizer);
    const home = groups.find(([head]) =>
      segmentsAlike(
        head.tokenizer,
        reference.tokenizer,
        vocabularyDifferenceTexts(baseVocabularyKeys(head.tokenizer), keys),
      ),
    );
    if (home) home.push(reference);
    else groups.push([reference]);
  }
  const classes: TokenizerClass[] = [];
  const classOf = new Map<string, string>();
  for (const members of [...byKey.values()].flat()) {
    const head = members[0].entry;
    const models = [...new Set(members.flatMap(({ entry }) => entry.models))];
    classes.push({ id: head.id, family: head.family, members: members.map(({ entry }) => entry.id), models });
    for (const { entry } of members) classOf.set(entry.id, head.id);
  }
  return {
    schema: 1,
    corpusSize: corpus.length,
    corpusHash: sha256Hex(corpus.join('\n')),
    classes,
    references: references.map(({ entry, tokenizer }) => ({
      id: entry.id,
      family: entry.family,
      class: classOf.get(entry.id)!,
      contentHash: tokenizer.contentHash,
      vocabSize: tokenizer.vocabSize,
      specialTokens: tokenizer.specialTokens.length,
      format: tokenizer.format,
      fingerprint: vocabFingerprint(tokenizer),
    })),
  };
}
