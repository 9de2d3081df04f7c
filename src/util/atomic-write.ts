import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomicLib from 'write-file-atomic';
import { fileSystemError } from './fs-errors.js';

/**
 * Writes a file so that readers see either the old content or the whole new content, never a part
 * (write-file-atomic: a synced temporary file renamed over the old one). A file system that refuses
 * the write (read-only, not a directory, full) is the user's to fix: one line, not a stack.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomicLib(
      path,
      typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    );
  } catch (error) {
    throw fileSystemError(error, `cannot write ${path}`);
  }
}
