import { randomBytes } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileSystemError } from './fs-errors.js';

/** `dir` itself when it exists, else its nearest existing ancestor: where the first file or directory would be made. */
async function nearestExisting(dir: string): Promise<string> {
  for (let path = dir; ; path = dirname(path)) {
    try {
      const found = await stat(path);
      if (found.isDirectory()) return path;
      throw Object.assign(new Error(`${path} is a file`), { code: path === dir ? 'EEXIST' : 'ENOTDIR' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(path) === path) throw error;
    }
  }
}

/**
 * Makes sure files can be written in `dir` (or, while it does not exist yet, in the directory it would
 * be made in) by writing one there and removing it, before anything costs money: a target is not asked
 * anything for answers that could not be kept. Creates nothing that stays.
 */
export async function ensureWritableDir(dir: string, what: string): Promise<void> {
  try {
    const probe = join(
      await nearestExisting(dir),
      `.tokprint-write-check-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    await writeFile(probe, '', { flag: 'wx' });
    await rm(probe, { force: true });
  } catch (error) {
    throw fileSystemError(error, `${what} ${dir} is not writable`);
  }
}
