import { join } from 'node:path';
import { withLock } from '../../util/file-lock.js';

/**
 * Runs `work` (a read-modify-write of an index directory: its manifest, index.json and sections)
 * while no other tokprint process writes there; waits a while for one that does, then gives up in one line.
 */
export function withIndexLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  return withLock(
    {
      lockPath: join(dir, '.lock'),
      busy: `the user index is locked by another tokprint process (${dir}); try again when it has finished`,
      waitMs: 30_000,
    },
    work,
  );
}
