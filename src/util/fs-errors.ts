import { UserError } from './errors.js';

/** Errors the file system gives for a path the user chose or an environment they set up, not for a bug. */
const USER_FIXABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'EEXIST', 'ENOSPC', 'EDQUOT', 'ENOENT', 'ELOOP', 'ENAMETOOLONG', 'EBUSY', 'EMFILE', 'ENFILE', 'EIO']);

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'a file is in the way',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'no such file or directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/**
 * `error` as one line saying what could not be done and why, when the file system refused it for a
 * reason the user can fix; any other error is passed on unchanged (a bug stays a bug).
 */
export function fileSystemError(error: unknown, what: string): unknown {
  if (error instanceof UserError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  if (!code || !USER_FIXABLE.has(code)) return error;
  return new UserError(`${what}: ${REASONS[code] ?? code} (${code})`, { cause: error });
}
