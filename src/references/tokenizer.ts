import type { TokenizerFormat } from './formats/index.js';
import type { PreTokenizerSplit } from './formats/pre-tokenizer-split.js';

/** The formats are listed once, with their loaders, in formats/index.ts. */
export type { TokenizerFormat };

export interface SpecialToken {
  id: number;
  content: string;
}

/**
 * The one interface every reference tokenizer is loaded into, whatever its file format.
 * Loaders are pure: they take the file contents in and do no I/O.
 */
export interface Tokenizer {
  readonly format: TokenizerFormat;
  /** Number of ids the tokenizer can emit: highest id + 1, added and special tokens included. */
  readonly vocabSize: number;
  readonly specialTokens: readonly SpecialToken[];
  /** sha256 of the canonical content (vocabulary, merges, pre-tokenizer, normalizer), independent of file layout. */
  readonly contentHash: string;
  /**
   * Ids for ordinary text as an API would count a user's message: no BOS/EOS or template added.
   * Whether literal special-token text (e.g. `<|im_end|>`) becomes a control id follows the source format.
   */
  encode(text: string): number[];
  /** The vocabulary entry as stored in the file (byte-level alphabet, `▁`, `<0x0A>` and so on). */
  tokenString(id: number): string | undefined;
  /** The raw bytes a token stands for, with any byte-level or metaspace encoding undone. */
  tokenBytes(id: number): Uint8Array | undefined;
  /** How the tokenizer is built, for white-box comparison; absent where a loader cannot tell. */
  readonly structure?: TokenizerStructure;
  /**
   * An encoder for the same tokenizer with a pre-tokenizer step in front that splits single digits or
   * isolates punctuation; absent for formats that cannot build one.
   */
  withSplit?(split: PreTokenizerSplit): (text: string) => number[];
  /** The chat template (Jinja) the file ships, e.g. a GGUF file's `tokenizer.chat_template`. */
  readonly chatTemplate?: string;
}

/** A token added to the model's own vocabulary (control tokens and plain added text alike). */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

export interface TokenizerStructure {
  /** The model type as the file names it, e.g. `BPE`, `Unigram`, `WordPiece`. */
  modelType: string;
  /**
   * BPE merges in priority order as token ids: merge i joins ids `mergeIds[2 * i]` and `mergeIds[2 * i + 1]`
   * (-1 for a part the vocabulary lacks). Ids rather than strings, so any vocabulary alphabet compares by bytes.
   */
  readonly mergeIds?: Int32Array;
  /** The normalizer and pre-tokenizer as the file states them (JSON values); null when there is none. */
  normalizer?: unknown;
  preTokenizer?: unknown;
  /** Tokens added on top of the model's vocabulary; their ids are not part of the base vocabulary. */
  addedTokens?: readonly AddedToken[];
}

/** What a loader needs: the files' contents, keyed by their role. */
export interface TokenizerFiles {
  /** tokenizer.json, *.tiktoken / tiktoken.model, a GGUF file, or a package's data file. */
  main: Uint8Array;
  /** tokenizer_config.json, when there is one. */
  config?: Uint8Array;
  /** A second data file some formats split their model into (e.g. merges beside a vocabulary). */
  extra?: Uint8Array;
}

/** For tiktoken rank files, which carry only ranks: the rest comes from the manifest. */
export interface TiktokenSettings {
  pattern: string;
  specialTokens: Record<string, number>;
}
