import { statSync } from 'node:fs';
import { UserError } from '../util/errors.js';

/**
 * Refuses a path that exists but is no directory (a verdict.json or transcript given instead of its run),
 * so the reader does not go on to report that a file inside it is missing or damaged.
 */
export function requireRunDirectory(dir: string): void {
  const info = statSync(dir, { throwIfNoEntry: false });
  if (info && !info.isDirectory()) throw new UserError(`${dir} is not a run directory (it is a file); give the directory tokprint identify wrote`);
}
