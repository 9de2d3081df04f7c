import type { IndexedReference, LoadedReference, ReferenceIndex, TokenizerClass } from './index-build.js';
import { estimateSimilarity, vocabFingerprint } from './fingerprint.js';

/**
 * Adds references to a built index without loading the ones already in it. A new reference joins an
 * existing class only when `countsAgree` says it counts every probe as that class does and its
 * vocabulary fingerprint is indistinguishable from the class head's; otherwise it founds a class.
 */
export function extendReferenceIndex(
  base: ReferenceIndex,
  added: readonly LoadedReference[],
  countsAgree: (newId: string, indexedId: string) => boolean,
): ReferenceIndex {
  const classes: TokenizerClass[] = base.classes.map((c) => ({ ...c, members: [...c.members], models: [...c.models] }));
  const references: IndexedReference[] = [...base.references];
  for (const { entry, tokenizer } of added) {
    const fingerprint = vocabFingerprint(tokenizer);
    const home = classes.find((c) => {
      const head = references.find((r) => r.id === c.members[0]);
      return (
        head !== undefined &&
        countsAgree(entry.id, head.id) &&
        estimateSimilarity(head.fingerprint, fingerprint).jaccard === 1
      );
    });
    if (home) {
      home.members.push(entry.id);
      home.models = [...new Set([...home.models, ...entry.models])];
    } else {
      classes.push({ id: entry.id, family: entry.family, members: [entry.id], models: [...entry.models] });
    }
    references.push({
      id: entry.id,
      family: entry.family,
      class: home?.id ?? entry.id,
      contentHash: tokenizer.contentHash,
      vocabSize: tokenizer.vocabSize,
      specialTokens: tokenizer.specialTokens.length,
      format: tokenizer.format,
      fingerprint,
    });
  }
  return { ...base, classes, references };
}
