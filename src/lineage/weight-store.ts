import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { UserError } from '../util/errors.js';
import { parseStoredFingerprint } from './stored-fingerprint.js';
import type { WeightFingerprint } from './weight-fingerprint.js';

/** Stored weight fingerprints live beside the user's index, one JSON file per reference id. */
export function weightsDir(indexDir: string): string {
  return join(indexDir, 'weights');
}

/** Most bytes a stored fingerprint may take; the sampling keeps real ones to a few hundred KiB. */
export const MAX_FINGERPRINT_BYTES = 1024 * 1024;

export async function writeStoredFingerprint(
  indexDir: string,
  id: string,
  fingerprint: WeightFingerprint,
): Promise<string> {
  const text = `${JSON.stringify(fingerprint)}\n`;
  if (Buffer.byteLength(text) > MAX_FINGERPRINT_BYTES)
    throw new UserError(`the weight fingerprint of ${id} would take more than 1 MiB; it is not stored`);
  const path = join(weightsDir(indexDir), `${id}.json`);
  await writeFileAtomic(path, text);
  return path;
}

/** Every stored fingerprint, by reference id; none when the folder is absent. A damaged file is refused in one line. */
export async function readStoredFingerprints(
  indexDir: string,
): Promise<{ id: string; fingerprint: WeightFingerprint }[]> {
  let names: string[];
  try {
    names = (await readdir(weightsDir(indexDir))).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const out: { id: string; fingerprint: WeightFingerprint }[] = [];
  for (const name of names) {
    const path = join(weightsDir(indexDir), name);
    const text = await readFile(path, 'utf8');
    if (Buffer.byteLength(text) > MAX_FINGERPRINT_BYTES)
      throw new UserError(`${path} is larger than 1 MiB; it is not a weight fingerprint tokprint wrote`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UserError(`${path} is not JSON; add the reference again with --weights`);
    }
    out.push({ id: name.slice(0, -'.json'.length), fingerprint: parseStoredFingerprint(json, path) });
  }
  return out;
}
