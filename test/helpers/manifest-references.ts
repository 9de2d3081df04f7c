import { readFileSync } from 'node:fs';
import type { Manifest, ReferenceEntry } from '../../src/references/manifest.js';
import { loadReference } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import type { Tokenizer } from '../../src/references/tokenizer.js';

/** The committed manifest's entries (the global setup has already put their files in the cache). */
export function committedEntries(): ReferenceEntry[] {
  const manifest: Manifest = JSON.parse(
    readFileSync(new URL('../../reference-tokenizers/manifest.json', import.meta.url), 'utf8'),
  );
  return manifest.references;
}

export function committedEntry(id: string): ReferenceEntry {
  const entry = committedEntries().find((e) => e.id === id);
  if (!entry) throw new Error(`no committed reference ${id}`);
  return entry;
}

const loaded = new Map<string, Promise<Tokenizer>>();

/** Loads a committed reference once per test file. */
export function committedTokenizer(id: string): Promise<Tokenizer> {
  let tokenizer = loaded.get(id);
  if (!tokenizer) {
    tokenizer = loadReference(committedEntry(id), { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() });
    loaded.set(id, tokenizer);
  }
  return tokenizer;
}
