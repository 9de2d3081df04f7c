import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { UserError } from '../util/errors.js';
import type { CatalogEntry } from './catalog.js';
import { buildReferenceIndex, type LoadedReference, type ReferenceIndex } from './index-build.js';
import { loadReference, type FetchOptions } from './load-reference.js';
import { INDEX_FILE } from './reference-index.js';

export interface BuildProgress {
  loaded(id: string, milliseconds: number): void;
  failed(id: string, reason: string): void;
}

/** Loads every reference of the catalog; a reference that cannot be loaded is reported and left out. */
export async function loadAllReferences(
  entries: readonly CatalogEntry[],
  fetch: FetchOptions,
  progress: BuildProgress,
): Promise<{ loaded: LoadedReference[]; failed: string[] }> {
  const loaded: LoadedReference[] = [];
  const failed: string[] = [];
  for (const { entry } of entries) {
    const started = Date.now();
    try {
      loaded.push({ entry, tokenizer: await loadReference(entry, fetch) });
      progress.loaded(entry.id, Date.now() - started);
    } catch (error) {
      failed.push(entry.id);
      progress.failed(entry.id, (error as Error).message);
    }
  }
  return { loaded, failed };
}

/** Extra generated files that stages after references derive from the loaded tokenizers (e.g. probe signatures). */
export type IndexSection = (
  references: readonly LoadedReference[],
  index: ReferenceIndex,
) => Promise<Record<string, string>>;

/**
 * Builds index.json (and any extra sections) for the given references and writes them into `outDir`.
 * Nothing is written unless every reference loaded, or `allowMissing` says a partial index is wanted.
 */
export async function buildIndexInto(
  outDir: string,
  entries: readonly CatalogEntry[],
  options: { fetch: FetchOptions; progress: BuildProgress; allowMissing?: boolean; sections?: IndexSection[] },
): Promise<ReferenceIndex> {
  const { loaded, failed } = await loadAllReferences(entries, options.fetch, options.progress);
  if (failed.length && !options.allowMissing) {
    throw new UserError(
      `${failed.length} reference(s) could not be loaded (${failed.join(', ')}); fix them or pass --allow-missing to build without them`,
    );
  }
  if (!loaded.length) throw new UserError('no reference could be loaded; nothing to index');
  const index = buildReferenceIndex(loaded);
  const files: Record<string, string> = { [INDEX_FILE]: `${JSON.stringify(index, null, 1)}\n` };
  for (const section of options.sections ?? []) Object.assign(files, await section(loaded, index));
  for (const [name, content] of Object.entries(files)) await writeFileAtomic(join(outDir, name), content);
  return index;
}
