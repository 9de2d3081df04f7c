import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import type { TargetDeps } from '../../src/targets/create-target.js';
import { committedEntry } from './manifest-references.js';

/** What createTarget needs to build `sim:` targets on the committed references, their files from the cache. */
export const committedTargetDeps: TargetDeps = {
  cwd: process.cwd(),
  env: process.env,
  reference: async (id) => {
    const entry = committedEntry(id);
    return { entry, files: await fetchReferenceFiles(entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() }) };
  },
};
