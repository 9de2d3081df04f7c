import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileSystemError } from './fs-errors.js';

/**
 * Makes sure files can be written in `dir` (creating it when missing) by writing one and removing it,
 * before anything costs money: a target is not asked anything for answers that could not be kept.
 */
export async function ensureWritableDir(dir: string, what: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.tokprint-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw fileSystemError(error, `${what} ${dir} is not writable`);
  }
}
