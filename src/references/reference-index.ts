import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import type { ReferenceIndex } from './index-build.js';
import type { ParsedJson } from '../util/parsed-json.js';

export const INDEX_FILE = 'index.json';

/** Reads a built index.json; undefined when the directory has none. */
export async function readReferenceIndex(dir: string): Promise<ReferenceIndex | undefined> {
  const path = join(dir, INDEX_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: ParsedJson;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      `${path} is not valid JSON (${(error as Error).message}); rebuild it with tokprint refs build`,
      { cause: error },
    );
  }
  if (json?.schema !== 1 || !Array.isArray(json.classes) || !Array.isArray(json.references)) {
    throw new UserError(`${path} is not a tokprint index; rebuild it with tokprint refs build`);
  }
  return json as ReferenceIndex;
}
