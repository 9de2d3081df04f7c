import type { IndexSection } from '../references/build-index.js';
import { createFilter, tokenByteSet } from './vocab-membership.js';
import { formatVocabMembership, VOCAB_MEMBERSHIP_FILE } from './vocab-membership-file.js';

/** The index section `refs build` writes for the logprob channel: each class's vocabulary as a filter. */
export const vocabMembershipSection: IndexSection = async (references, index) => {
  const byId = new Map(references.map(({ entry, tokenizer }) => [entry.id, tokenizer]));
  const classes = index.classes.map((c) => {
    const tokens = tokenByteSet(c.members.flatMap((m) => (byId.has(m) ? [byId.get(m)!] : [])));
    return { id: c.id, tokens: tokens.length, filter: createFilter(tokens, tokens.length) };
  });
  return { [VOCAB_MEMBERSHIP_FILE]: formatVocabMembership({ schema: 1, classes }) };
};
