import { mkdir, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { UserError } from './errors.js';
import { fileSystemError } from './fs-errors.js';

/** A lock not refreshed for this long belongs to a process that was killed, and is taken over. */
const STALE_MS = 10_000;
const REFRESH_MS = 2_000;
const POLL_MS = 250;

export interface HeldLock {
  release(): Promise<void>;
  /** Throws when another process took the lock over (this one stopped refreshing it in time). */
  assertHeld(): void;
}

export interface LockRequest {
  /** The lock itself: a directory created atomically, refreshed while held, removed on release or exit. */
  lockPath: string;
  /** The one line shown when another live process holds it past `waitMs`. */
  busy: string;
  /** How long to wait for a live holder; longer than the stale time, so a killed holder's lock is taken over. */
  waitMs?: number;
}

/**
 * Takes a lock shared by every tokprint process on this file system (proper-lockfile: an atomic
 * mkdir, kept fresh while held; one left by a killed process goes stale and is taken over).
 */
export async function acquireLock(request: LockRequest): Promise<HeldLock> {
  const deadline = Date.now() + Math.max(request.waitMs ?? STALE_MS + 5_000, POLL_MS);
  try {
    await mkdir(dirname(request.lockPath), { recursive: true });
  } catch (error) {
    throw fileSystemError(error, `cannot take the lock ${request.lockPath}`);
  }
  for (;;) {
    const before = await stat(request.lockPath).catch(() => undefined);
    const takingOver = before !== undefined && before.mtimeMs < Date.now() - STALE_MS;
    let lost: Error | undefined;
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(request.lockPath, {
        lockfilePath: request.lockPath,
        realpath: false,
        stale: STALE_MS,
        update: REFRESH_MS,
        onCompromised: (error) => void (lost = error),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED')
        throw fileSystemError(error, `cannot take the lock ${request.lockPath}`);
      if (Date.now() >= deadline) throw new UserError(request.busy);
      await sleep(POLL_MS * (0.5 + Math.random()));
      continue;
    }
    if (takingOver) {
      // two processes can find the same stale lock and both take it; the one whose lock was replaced
      // learns it at its first refresh, so it waits for one before going on
      await sleep(REFRESH_MS + 750);
      if (lost) {
        if (Date.now() >= deadline) throw new UserError(request.busy);
        continue;
      }
    }
    return {
      release: async () => {
        if (!lost) await release().catch(() => undefined);
      },
      assertHeld: () => {
        if (lost)
          throw new UserError(
            `another tokprint process took over the lock ${request.lockPath} while this one held it (${lost.message}); check what it wrote`,
          );
      },
    };
  }
}

/** Runs `work` while holding the lock, and releases it whatever happens. */
export async function withLock<T>(request: LockRequest, work: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(request);
  try {
    const result = await work();
    lock.assertHeld();
    return result;
  } finally {
    await lock.release();
  }
}
