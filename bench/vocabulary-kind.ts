import type { LoadedBenchReference } from './accuracy-trials.js';

/** The two vocabulary kinds seen-token channels must both get right. */
export type VocabularyKind = 'SentencePiece' | 'byte-level BPE';

/**
 * SentencePiece-style vocabularies mark a word's start with `▁` and fall back to byte tokens (Llama 2, Yi, Gemma, …);
 * the others are byte-level BPE (GPT-2's byte alphabet, tiktoken, Tekken).
 */
export function vocabularyKind(reference: LoadedBenchReference): VocabularyKind {
  let kind = known.get(reference.entry.id);
  if (!kind) {
    kind = readKind(reference);
    known.set(reference.entry.id, kind);
  }
  return kind;
}

const known = new Map<string, VocabularyKind>();

function readKind(reference: LoadedBenchReference): VocabularyKind {
  if (reference.entry.format === 'llama-js') return 'SentencePiece';
  if (reference.entry.format !== 'hf-json') return 'byte-level BPE';
  const json = JSON.parse(Buffer.from(reference.files.main).toString('utf8'));
  const marks = JSON.stringify([json.normalizer, json.pre_tokenizer, json.decoder]).includes('\u2581');
  return json.model?.byte_fallback === true || marks ? 'SentencePiece' : 'byte-level BPE';
}
