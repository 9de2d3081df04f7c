import { join } from 'node:path';
import { acquireLock, type HeldLock } from '../util/file-lock.js';

/**
 * The lock a process holds on a run directory while it runs or resumes that run, so two processes
 * never append to one transcript. A run killed outright leaves its lock behind; it goes stale within
 * seconds and the next resume takes it over.
 */
export function lockRunDir(dir: string): Promise<HeldLock> {
  return acquireLock({
    lockPath: join(dir, 'run.lock'),
    busy: `${dir} is in use by another tokprint process (the run itself or a resume of it); wait until it has finished`,
  });
}
