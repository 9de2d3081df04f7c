import { buildIndexInto } from '../../references/build-index.js';
import { committedIndexDir, loadCatalog } from '../../references/catalog.js';
import { cacheDir } from '../../references/store/cache-dir.js';
import { userIndexDir } from '../../references/store/tokprint-home.js';
import { countSignaturesSection } from '../../signatures/index-section.js';
import type { CliIo } from '../io.js';

interface Options {
  committed?: boolean;
  out?: string;
  allowMissing?: boolean;
  index?: string;
}

/**
 * Rebuilds the index. With --committed: only the built-in references, into reference-tokenizers/
 * (for maintainers). Otherwise built-in plus the user's own, into the user index directory, which then
 * takes precedence over the built-in index.
 */
export default async function refsBuild(io: CliIo, options: Options): Promise<number> {
  const catalog = await loadCatalog({ env: io.env, userIndexDir: options.index });
  const entries = options.committed ? catalog.entries.filter((e) => e.origin === 'committed') : catalog.entries;
  const outDir = options.out ?? (options.committed ? committedIndexDir() : options.index ?? userIndexDir(io.env));
  const index = await buildIndexInto(outDir, entries, {
    fetch: { cacheRoot: cacheDir(io.env) },
    allowMissing: options.allowMissing,
    sections: [countSignaturesSection],
    progress: {
      loaded: (id, ms) => io.stderr(`loaded ${id} (${ms} ms)\n`),
      failed: (id, reason) => io.stderr(`failed ${id}: ${reason}\n`),
    },
  });
  io.stdout(`indexed ${index.references.length} references in ${index.classes.length} classes into ${outDir}\n`);
  return 0;
}
