import type { CliIo } from '../io.js';
import { loadCatalog, type Catalog } from '../../references/catalog.js';
import { cacheDir } from '../../references/store/cache-dir.js';
import { hfHubOptions } from '../../references/store/hf-hub.js';
import type { FetchOptions } from '../../references/load-reference.js';

/** The catalog and cache settings a refs subcommand needs, all taken from the command's own environment. */
export async function refsContext(
  io: CliIo,
  userIndexDir?: string,
): Promise<{ catalog: Catalog; fetch: FetchOptions }> {
  const catalog = await loadCatalog({ env: io.env, userIndexDir });
  return { catalog, fetch: { cacheRoot: cacheDir(io.env), hub: hfHubOptions(io.env) } };
}
