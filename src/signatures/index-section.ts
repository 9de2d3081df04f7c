import { join } from 'node:path';
import type { IndexSection } from '../references/build-index.js';
import { packageRoot } from '../references/store/package-root.js';
import { readProbePool } from '../probes/pool-file.js';
import { buildCountSignatures } from './count-signatures.js';
import { COUNT_SIGNATURES_FILE, formatCountSignatures } from './count-signatures-file.js';

export function probePoolDir(): string {
  return join(packageRoot(), 'probes');
}

/** The index section `refs build` writes for identification: every reference's count for every probe. */
export const countSignaturesSection: IndexSection = async (references) => {
  const pool = readProbePool(probePoolDir());
  const tokenizers = new Map(references.map(({ entry, tokenizer }) => [entry.id, tokenizer]));
  return { [COUNT_SIGNATURES_FILE]: formatCountSignatures(buildCountSignatures(tokenizers, pool)) };
};
