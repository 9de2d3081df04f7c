import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildIndexInto, loadAllReferences, type BuildProgress } from '../../references/build-index.js';
import { committedIndexDir, loadCatalog } from '../../references/catalog.js';
import { INDEX_FILE } from '../../references/reference-index.js';
import { cacheDir } from '../../references/store/cache-dir.js';
import { withIndexLock } from '../../references/store/index-lock.js';
import { userIndexDir } from '../../references/store/tokprint-home.js';
import { countSignaturesSection, probePoolDir } from '../../signatures/index-section.js';
import { writeUserIndex } from '../../signatures/user-index.js';
import { vocabMembershipSection } from '../../signatures/vocab-membership-section.js';
import { UserError } from '../../util/errors.js';
import type { CliIo } from '../io.js';

interface Options {
  committed?: boolean;
  out?: string;
  allowMissing?: boolean;
  index?: string;
}

/**
 * With --committed: rebuilds the built-in index from every built-in reference, into
 * reference-tokenizers/ (for maintainers). Otherwise: the built-in index plus the user's own
 * references, into the user index directory, where identification then reads it.
 */
export default async function refsBuild(io: CliIo, options: Options): Promise<number> {
  const indexDir = options.index ?? userIndexDir(io.env);
  const outDir = options.out ?? (options.committed ? committedIndexDir() : indexDir);
  // the manifest read and the index written belong together: no refs add or other build in between
  const locked = () => withIndexLock(outDir, () => build(io, options, outDir));
  return options.committed || outDir === indexDir ? locked() : withIndexLock(indexDir, locked);
}

async function build(io: CliIo, options: Options, outDir: string): Promise<number> {
  const catalog = await loadCatalog({ env: io.env, userIndexDir: options.index });
  const fetch = { cacheRoot: cacheDir(io.env) };
  const progress: BuildProgress = {
    loaded: (id, ms) => io.stderr(`loaded ${id} (${ms} ms)\n`),
    failed: (id, reason) => io.stderr(`failed ${id}: ${reason}\n`),
  };
  if (options.committed) {
    const entries = catalog.entries.filter((e) => e.origin === 'committed');
    const index = await buildIndexInto(outDir, entries, {
      fetch,
      progress,
      allowMissing: options.allowMissing,
      sections: [countSignaturesSection, vocabMembershipSection],
    });
    io.stdout(`indexed ${index.references.length} references in ${index.classes.length} classes into ${outDir}\n`);
    return 0;
  }

  const userEntries = catalog.entries.filter((e) => e.origin === 'user');
  if (!userEntries.length) {
    await rm(join(outDir, INDEX_FILE), { force: true });
    io.stdout('no references of your own (add one with tokprint refs add); identification uses the built-in index\n');
    return 0;
  }
  const { loaded, failed } = await loadAllReferences(userEntries, fetch, progress);
  if (failed.length && !options.allowMissing) {
    throw new UserError(
      `${failed.length} reference(s) could not be loaded (${failed.join(', ')}); fix them or pass --allow-missing to build without them`,
    );
  }
  const index = await writeUserIndex(committedIndexDir(), outDir, probePoolDir(), loaded);
  const classOf = new Map(index.references.map((r) => [r.id, r.class]));
  for (const { entry } of loaded) {
    const cls = classOf.get(entry.id)!;
    io.stdout(`${entry.id}: ${cls === entry.id ? 'a class of its own' : `same class as ${cls}`}\n`);
  }
  io.stdout(`indexed ${index.references.length} references in ${index.classes.length} classes into ${outDir}\n`);
  return 0;
}
