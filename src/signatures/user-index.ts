import { join } from 'node:path';
import { readProbePool } from '../probes/pool-file.js';
import { extendReferenceIndex } from '../references/extend-index.js';
import type { LoadedReference, ReferenceIndex } from '../references/index-build.js';
import { INDEX_FILE, readReferenceIndex } from '../references/reference-index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { UserError } from '../util/errors.js';
import { COUNT_SIGNATURES_FILE, formatCountSignatures, readCountSignatures } from './count-signatures-file.js';
import { extendCountSignatures, sameCounts } from './extend-count-signatures.js';
import { formatVocabMembership, readVocabMembership, VOCAB_MEMBERSHIP_FILE } from './vocab-membership-file.js';
import { createFilter, tokenByteSet } from './vocab-membership.js';

/**
 * The user's index: the built-in index with the user's own references added, written into `userDir`.
 * Only the user's references are loaded and counted, so adding one takes seconds, not a full rebuild.
 */
export async function writeUserIndex(
  committedDir: string,
  userDir: string,
  poolDir: string,
  added: readonly LoadedReference[],
): Promise<ReferenceIndex> {
  const base = await readReferenceIndex(committedDir);
  if (!base)
    throw new UserError(
      `the built-in index is missing from ${committedDir}; reinstall tokprint or run tokprint refs build --committed`,
    );
  const signatures = extendCountSignatures(
    await readCountSignatures(committedDir),
    new Map(added.map(({ entry, tokenizer }) => [entry.id, tokenizer])),
    readProbePool(poolDir),
  );
  const index = extendReferenceIndex(base, added, (a, b) => sameCounts(signatures, a, b));
  // The sections first: an index.json is what makes the directory count as built.
  await writeFileAtomic(join(userDir, COUNT_SIGNATURES_FILE), formatCountSignatures(signatures));
  const membership = await readVocabMembership(committedDir);
  if (membership) {
    // A reference that joined a class has that class's vocabulary; only new classes need a filter.
    const known = new Set(membership.classes.map((c) => c.id));
    for (const { entry, tokenizer } of added) {
      if (known.has(entry.id) || index.classes.every((c) => c.id !== entry.id)) continue;
      const tokens = tokenByteSet([tokenizer]);
      membership.classes.push({ id: entry.id, tokens: tokens.length, filter: createFilter(tokens, tokens.length) });
    }
    await writeFileAtomic(join(userDir, VOCAB_MEMBERSHIP_FILE), formatVocabMembership(membership));
  }
  await writeFileAtomic(join(userDir, INDEX_FILE), `${JSON.stringify(index, null, 1)}\n`);
  return index;
}
