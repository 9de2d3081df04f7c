import { compareTokenizers, type Comparison } from '../references/compare.js';
import { estimateSimilarity, vocabFingerprint, type FingerprintSimilarity } from '../references/fingerprint.js';
import type { ReferenceIndex } from '../references/index-build.js';
import type { Tokenizer } from '../references/tokenizer.js';

/** How many of the closest classes get a full comparison against their reference's file. */
const COMPARED_CLASSES = 3;

export interface WhiteBoxCandidate {
  reference: string;
  class: string;
  family: string;
  /** The fingerprint estimate that ranked this reference. */
  similarity: Pick<FingerprintSimilarity, 'jaccard' | 'aInB' | 'bInA' | 'idBlockAgreement' | 'likely'>;
  /** The full comparison (reference as side a, the suspect as side b), for the closest classes only. */
  comparison?: Pick<Comparison, 'verdict' | 'base' | 'summary' | 'changes' | 'sameVocabularyAndMerges'> & {
    encodingAgreement: number;
    referenceInTarget: number;
  };
}

export interface WhiteBoxResult {
  verdict: {
    status: 'match' | 'derived' | 'unknown';
    reference: string | null;
    class: string[];
    family: string | null;
    models: string[];
    confidence: number;
  };
  candidates: WhiteBoxCandidate[];
}

const LIKELINESS: Record<FingerprintSimilarity['likely'], number> = {
  identical: 3,
  derived: 2,
  overlapping: 1,
  unrelated: 0,
};

/**
 * Within a kind of likeness, overall overlap ranks: of two references the target extends (cl100k and
 * Llama 3 for an extended Llama 3), the one explaining more of its vocabulary is the nearer base.
 */
function closeness(s: FingerprintSimilarity): number {
  return LIKELINESS[s.likely] * 10 + s.jaccard + s.idBlockAgreement / 10;
}

/**
 * Ranks the index against a tokenizer whose files are at hand: by vocabulary fingerprint first (no
 * reference files needed), then a full comparison with the closest classes' references.
 */
export async function identifyWhiteBox(
  suspect: Tokenizer,
  index: ReferenceIndex,
  loadReference: (id: string) => Promise<Tokenizer>,
): Promise<WhiteBoxResult> {
  const fingerprint = vocabFingerprint(suspect);
  const ranked = index.references
    .map((reference) => ({ reference, similarity: estimateSimilarity(reference.fingerprint, fingerprint) }))
    .sort((x, y) => closeness(y.similarity) - closeness(x.similarity));

  const candidates: WhiteBoxCandidate[] = [];
  const comparedClasses = new Set<string>();
  for (const { reference, similarity } of ranked) {
    const candidate: WhiteBoxCandidate = {
      reference: reference.id,
      class: reference.class,
      family: reference.family,
      similarity: {
        jaccard: similarity.jaccard,
        aInB: similarity.aInB,
        bInA: similarity.bInA,
        idBlockAgreement: similarity.idBlockAgreement,
        likely: similarity.likely,
      },
    };
    // Every reference the fingerprint calls identical is compared; otherwise the closest of each class.
    const worthComparing =
      similarity.likely === 'identical' || (!comparedClasses.has(reference.class) && similarity.likely !== 'unrelated');
    if (worthComparing && (comparedClasses.has(reference.class) || comparedClasses.size < COMPARED_CLASSES)) {
      comparedClasses.add(reference.class);
      const comparison = compareTokenizers(await loadReference(reference.id), suspect, {
        labels: { a: reference.id, b: 'target' },
      });
      candidate.comparison = {
        verdict: comparison.verdict,
        base: comparison.base,
        summary: comparison.summary,
        changes: comparison.changes,
        sameVocabularyAndMerges: comparison.sameVocabularyAndMerges,
        encodingAgreement: comparison.encoding.agreement,
        referenceInTarget: comparison.vocabulary.aInB,
      };
    }
    candidates.push(candidate);
  }
  return { verdict: whiteBoxVerdict(candidates, index), candidates };
}

function whiteBoxVerdict(candidates: readonly WhiteBoxCandidate[], index: ReferenceIndex): WhiteBoxResult['verdict'] {
  const compared = candidates.filter((c) => c.comparison);
  const identical = compared.find((c) => c.comparison!.verdict === 'identical');
  // A reference with the target's very vocabulary and merges settles its lineage, whatever rules were changed:
  // another family whose vocabulary the target happens to contain (cl100k inside Qwen2.5) must not win over it.
  const sameTokens = compared.find((c) => c.comparison!.verdict === 'derived' && c.comparison!.sameVocabularyAndMerges);
  // The target extends or modifies a reference: the reference is the base side of the comparison.
  const derived = compared.find((c) => c.comparison!.verdict === 'derived' && c.comparison!.base === 'a');
  const chosen = identical ?? sameTokens ?? derived;
  if (!chosen) {
    const closest = candidates[0];
    const overlap = closest ? Math.max(closest.similarity.aInB, closest.similarity.bInA) : 0;
    return {
      status: 'unknown',
      reference: null,
      class: [],
      family: null,
      models: [],
      confidence: Math.max(0, 1 - overlap),
    };
  }
  const tokenizerClass = index.classes.find((c) => c.id === chosen.class);
  // White-box evidence is exact: an identical verdict is as sure as the segmentations agree, a derived one
  // as sure as the reference's vocabulary is found whole in the target.
  const confidence = identical ? identical.comparison!.encodingAgreement : chosen.comparison!.referenceInTarget;
  return {
    status: identical ? 'match' : 'derived',
    reference: chosen.reference,
    class: tokenizerClass?.members ?? [chosen.reference],
    family: chosen.family,
    models: tokenizerClass?.models ?? [],
    confidence,
  };
}
