const METASPACE = '\u2581';

export interface SentencePieceJsonParts {
  vocab: Record<string, number>;
  merges: unknown[];
  addedTokens?: unknown[];
  /** SentencePiece's add_dummy_prefix: a space before the text, removed again when decoding. */
  addSpacePrefix: boolean;
  unkToken: string | null;
  byteFallback: boolean;
}

/** The tokenizer.json layout Hugging Face uses for a SentencePiece BPE model (Llama 2, Mistral, GGUF `llama`). */
export function sentencePieceTokenizerJson(parts: SentencePieceJsonParts): Record<string, unknown> {
  return {
    version: '1.0',
    added_tokens: parts.addedTokens ?? [],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        ...(parts.addSpacePrefix ? [{ type: 'Prepend', prepend: METASPACE }] : []),
        { type: 'Replace', pattern: { String: ' ' }, content: METASPACE },
      ],
    },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: METASPACE }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        ...(parts.addSpacePrefix ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: parts.unkToken,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: parts.byteFallback,
      ignore_merges: false,
      vocab: parts.vocab,
      merges: parts.merges,
    },
  };
}
