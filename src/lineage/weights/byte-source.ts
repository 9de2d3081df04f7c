import { open } from 'node:fs/promises';
import { UserError } from '../../util/errors.js';

/**
 * Random access to one file of a checkpoint, local or remote: only the ranges asked for are read, and the
 * bytes read are counted, so a caller can show that a fingerprint cost a small part of the checkpoint.
 */
export interface ByteSource {
  /** How the file is named in messages (no credentials). */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes from `offset`; a range past the end is a truncated file (UserError). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Bytes read so far. */
  readonly bytesRead: number;
  close(): Promise<void>;
}

export function truncatedError(name: string, offset: number, length: number, size: number): UserError {
  return new UserError(
    `${name} is truncated: bytes ${offset}..${offset + length} were asked for, the file has ${size}; download it again`,
  );
}

/** A local file opened once; reads are positioned, so the rest of the file is never touched. */
export async function localByteSource(path: string, name = path): Promise<ByteSource> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new UserError(`cannot open ${name} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  const { size } = await handle.stat();
  let bytesRead = 0;
  return {
    name,
    size,
    get bytesRead() {
      return bytesRead;
    },
    async read(offset, length) {
      if (offset < 0 || offset + length > size) throw truncatedError(name, offset, length, size);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead: n } = await handle.read(out, done, length - done, offset + done);
        if (n === 0) throw truncatedError(name, offset, length, offset + done);
        done += n;
      }
      bytesRead += length;
      return out;
    },
    close: () => handle.close(),
  };
}

/** Bytes already in memory (a test's checkpoint, a file small enough to have been read whole). */
export function memoryByteSource(bytes: Uint8Array, name: string): ByteSource {
  let bytesRead = 0;
  return {
    name,
    size: bytes.length,
    get bytesRead() {
      return bytesRead;
    },
    async read(offset, length) {
      if (offset < 0 || offset + length > bytes.length) throw truncatedError(name, offset, length, bytes.length);
      bytesRead += length;
      return bytes.slice(offset, offset + length);
    },
    close: async () => {},
  };
}
