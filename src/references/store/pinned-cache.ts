import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../util/errors.js';
import { sha256Hex } from '../../util/hash.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { withLock } from '../../util/file-lock.js';

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The cache path of a file pinned by its sha256: content-addressed, so two references sharing a file share it. */
export function pinnedPath(cacheRoot: string, sha256: string): string {
  return join(cacheRoot, 'sha256', sha256.slice(0, 2), sha256);
}

export async function readPinnedIfValid(cacheRoot: string, sha256: string): Promise<Uint8Array | undefined> {
  const path = pinnedPath(cacheRoot, sha256);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    return undefined;
  }
  if (sha256Hex(bytes) === sha256) return bytes;
  await dropCorrupt(cacheRoot, sha256).catch(() => undefined);
  return undefined;
}

/** Removes a corrupt cached copy, unless another process has put an intact one there meanwhile. */
async function dropCorrupt(cacheRoot: string, sha256: string): Promise<void> {
  const path = pinnedPath(cacheRoot, sha256);
  await withLock(pinnedLock(path), async () => {
    if ((await pinnedState(cacheRoot, sha256)) === 'corrupt') await rm(path, { force: true });
  });
}

function pinnedLock(path: string) {
  return {
    lockPath: `${path}.lock`,
    busy: `the reference cache is locked by another tokprint process (${path}); try again when it has finished`,
  };
}

/**
 * Returns the bytes of a file pinned by sha256: from the cache when present and intact, otherwise from `fetch`,
 * checked against the pin before it is written (atomically) to the cache. A corrupt cached copy is fetched again.
 */
export async function getPinned(
  cacheRoot: string,
  sha256: string,
  what: string,
  fetch: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  if (!SHA256_HEX.test(sha256))
    throw new UserError(`${what}: pinned sha256 "${sha256}" is not 64 lowercase hex digits; fix the manifest entry`);
  const cached = await readPinnedIfValid(cacheRoot, sha256);
  if (cached) return cached;
  const bytes = await fetch();
  const actual = sha256Hex(bytes);
  if (actual !== sha256) {
    throw new UserError(
      `${what}: sha256 mismatch (expected ${sha256}, got ${actual}); the source changed or the manifest pin is wrong: check the source, then fix the pin`,
    );
  }
  // fetched outside the lock (it can be a download); the check and the write are one step for every process
  const path = pinnedPath(cacheRoot, sha256);
  await withLock(pinnedLock(path), async () => {
    if ((await pinnedState(cacheRoot, sha256)) !== 'cached') await writeFileAtomic(path, bytes);
  });
  return bytes;
}

export type PinnedState = 'cached' | 'missing' | 'corrupt';

/** Whether a pinned file is in the cache and intact, without changing anything. */
export async function pinnedState(cacheRoot: string, sha256: string): Promise<PinnedState> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(pinnedPath(cacheRoot, sha256));
  } catch {
    return 'missing';
  }
  return sha256Hex(bytes) === sha256 ? 'cached' : 'corrupt';
}
