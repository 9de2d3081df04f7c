import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { UserError } from './errors.js';

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function describe(error: unknown, path: string): UserError {
  const code = (error as NodeJS.ErrnoException).code;
  return new UserError(
    code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path} (${code ?? (error as Error).message})`,
    { cause: error },
  );
}

/**
 * Refuses an output path that exists as something other than a regular file: an atomic write renames over it, which
 * would replace a device or a pipe (run as root, `/dev/null` itself) with a plain file.
 */
export function refuseIrregularOutput(path: string, flag: string): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    return;
  }
  if (!stats.isFile())
    throw new UserError(`${flag} ${path} is ${kindOf(stats)}; give the path of a regular file to write`);
}

function refuseIrregular(stats: Stats, path: string): void {
  if (!stats.isFile()) throw new UserError(`${path} is ${kindOf(stats)}, not a regular file`);
}

export function formatBytes(n: number): string {
  return n >= GiB ? `${+(n / GiB).toFixed(1)} GiB` : n >= MiB ? `${+(n / MiB).toFixed(1)} MiB` : `${n} bytes`;
}

/**
 * A file a user named, open for reading. Devices, pipes, sockets and directories are refused before a
 * byte is read (`/dev/zero` never ends, a FIFO may never answer), and reads never go past the cap asked for.
 */
export class UserFile {
  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly size: number,
  ) {}

  static open(path: string): UserFile {
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch (error) {
      throw describe(error, path);
    }
    refuseIrregular(stats, path);
    let fd: number;
    try {
      // non-blocking, so a path swapped for a FIFO after the check cannot hang the open
      fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (error) {
      throw describe(error, path);
    }
    try {
      const opened = fstatSync(fd);
      refuseIrregular(opened, path);
      return new UserFile(path, fd, opened.size);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Up to `length` bytes from `position` (fewer at the end of the file). */
  read(position: number, length: number): Uint8Array {
    const buffer = Buffer.alloc(length);
    let filled = 0;
    try {
      while (filled < length) {
        const n = readSync(this.fd, buffer, filled, length - filled, position + filled);
        if (n === 0) break;
        filled += n;
      }
    } catch (error) {
      throw describe(error, this.path);
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, filled);
  }

  /** The whole file, refused in one line when it is larger than `maxBytes` (`what` names the kind of file). */
  readAll(maxBytes: number, what: string): Uint8Array {
    const tooLarge = () =>
      new UserError(`${this.path} is larger than ${formatBytes(maxBytes)}, the most tokprint reads from ${what}`);
    if (this.size > maxBytes) throw tooLarge();
    // One byte more than the stated size, to notice a file that grew (or a size the file system does not know).
    const bytes = this.read(0, Math.min(maxBytes, this.size) + 1);
    if (bytes.length > maxBytes) throw tooLarge();
    if (bytes.length <= this.size) return bytes;
    const rest: Uint8Array[] = [bytes];
    let total = bytes.length;
    for (;;) {
      const more = this.read(total, Math.min(MiB, maxBytes + 1 - total));
      if (!more.length) break;
      rest.push(more);
      total += more.length;
      if (total > maxBytes) throw tooLarge();
    }
    return Buffer.concat(rest);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Reads a whole user-named file with `UserFile`'s checks, at most `maxBytes`. */
export function readUserFile(path: string, maxBytes: number, what: string): Uint8Array {
  const file = UserFile.open(path);
  try {
    return file.readAll(maxBytes, what);
  } finally {
    file.close();
  }
}
