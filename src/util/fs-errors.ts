import { UserError } from './errors.js';

/** Errors the file system gives for a path the user chose or an environment they set up, not for a bug. */
const USER_FIXABLE = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EISDIR',
  'EEXIST',
  'ENOSPC',
  'EDQUOT',
  'ENOENT',
  'ELOOP',
  'ENAMETOOLONG',
  'EBUSY',
  'EMFILE',
  'ENFILE',
  'EIO',
]);

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

/** An error Node raises for a file-system call: a code such as ENOENT or EACCES, the call, and the path. */
interface SystemError extends Error {
  code: string;
  syscall: string;
  path: string;
}

export function isFileSystemError(error: unknown): error is SystemError {
  if (!(error instanceof Error)) return false;
  const e = error as Partial<SystemError>;
  return (
    typeof e.code === 'string' &&
    /^E[A-Z]+$/.test(e.code) &&
    typeof e.syscall === 'string' &&
    typeof e.path === 'string'
  );
}

/**
 * One line for a file-system error on a path: a file where a directory belongs, no permission, a full or
 * read-only disk. These come from what the user pointed tokprint at, not from a bug in it.
 */
export function describeFileSystemError(error: SystemError): string {
  // "EACCES: permission denied, open '/x'" -> "permission denied"
  const reason = /^E[A-Z]+: ([^,]+)/.exec(error.message)?.[1] ?? error.code;
  return `cannot ${error.syscall} ${error.path}: ${reason} (${error.code})`;
}
