import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { committedEntry } from './manifest-references.js';

export interface RealTokenizerFiles {
  tokenizerJson: Uint8Array;
  tokenizerConfig: Uint8Array;
  sha256: { main: string; config: string };
}

/** Qwen2.5's tokenizer files, pinned by the committed manifest and read from the shared cache ($TOKPRINT_CACHE or the user's cache). */
export async function qwen25Files(): Promise<RealTokenizerFiles> {
  const entry = committedEntry('qwen2.5');
  const files = await fetchReferenceFiles(entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() });
  return {
    tokenizerJson: files.main,
    tokenizerConfig: files.config!,
    sha256: { main: entry.source.files.main.sha256, config: entry.source.files.config!.sha256 },
  };
}
