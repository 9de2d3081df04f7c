import { loadCatalog } from '../src/references/catalog.js';
import { loadAllReferences } from '../src/references/build-index.js';
import type { LoadedReference } from '../src/references/index-build.js';
import { cacheDir } from '../src/references/store/cache-dir.js';

/** Every committed reference that loads; the others are named on stderr and skipped. */
export async function loadCommittedReferences(log: (line: string) => void): Promise<LoadedReference[]> {
  const catalog = await loadCatalog({ env: { ...process.env, TOKPRINT_HOME: '/nonexistent-tokprint-home' } });
  const committed = catalog.entries.filter((e) => e.origin === 'committed');
  const { loaded, failed } = await loadAllReferences(
    committed,
    { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() },
    {
      loaded: () => {},
      failed: (id, reason) => log(`warning: skipping reference ${id}: ${reason}`),
    },
  );
  if (failed.length) log(`warning: ${failed.length} reference(s) skipped`);
  return loaded;
}
