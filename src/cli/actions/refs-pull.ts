import type { CliIo } from '../io.js';
import { requireEntry } from '../../references/catalog.js';
import { pullReference } from '../../references/load-reference.js';
import { refsContext } from './refs-context.js';

export default async function refsPull(io: CliIo, ids: string[]): Promise<number> {
  const { catalog, fetch } = await refsContext(io);
  const entries = ids.length
    ? ids.map((id) => requireEntry(catalog, id).entry)
    : catalog.entries.map(({ entry }) => entry);
  let failed = 0;
  // One at a time: references often share a package, and the second then finds it cached.
  for (const entry of entries) {
    const outcome = await pullReference(entry, fetch);
    if (outcome.status === 'failed') {
      failed++;
      io.stdout(`${entry.id}: failed: ${outcome.reason}\n`);
    } else if (outcome.status === 'fetched') {
      io.stdout(`${entry.id}: fetched${outcome.repaired ? ' (the cached copy was corrupt)' : ''}\n`);
    } else {
      io.stdout(`${entry.id}: cached\n`);
    }
  }
  if (failed) io.stderr(`tokprint: ${failed} of ${entries.length} references failed\n`);
  return failed ? 2 : 0;
}
