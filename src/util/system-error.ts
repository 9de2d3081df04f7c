/** An error Node raises for a file-system call: a code such as ENOENT or EACCES, the call, and the path. */
interface SystemError extends Error {
  code: string;
  syscall: string;
  path: string;
}

export function isFileSystemError(error: unknown): error is SystemError {
  if (!(error instanceof Error)) return false;
  const e = error as Partial<SystemError>;
  return typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && typeof e.syscall === 'string' && typeof e.path === 'string';
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
