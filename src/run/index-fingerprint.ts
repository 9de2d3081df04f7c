import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INDEX_FILE } from '../references/reference-index.js';
import { COUNT_SIGNATURES_FILE } from '../signatures/count-signatures-file.js';
import { sha256Hex } from '../util/hash.js';

/** Which reference index a run scored against: its schema and each file's sha256, for a report's reader to check. */
export interface IndexFingerprint {
  schema?: number;
  /** sha256 of index.json (classes, references, fingerprints). */
  sha256: string;
  /** sha256 of count-signatures.json (each reference's count for each probe), when the index has one. */
  signaturesSha256?: string;
}

function fileSha256(path: string): string | undefined {
  try {
    return sha256Hex(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** The index in `dir` as a run records it; undefined when it cannot be read (the run itself says why). */
export function indexFingerprint(dir: string): IndexFingerprint | undefined {
  const sha256 = fileSha256(join(dir, INDEX_FILE));
  if (!sha256) return undefined;
  let schema: number | undefined;
  try {
    const parsed = JSON.parse(readFileSync(join(dir, INDEX_FILE), 'utf8'));
    if (typeof parsed?.schema === 'number') schema = parsed.schema;
  } catch {}
  const signaturesSha256 = fileSha256(join(dir, COUNT_SIGNATURES_FILE));
  return { ...(schema !== undefined && { schema }), sha256, ...(signaturesSha256 && { signaturesSha256 }) };
}
