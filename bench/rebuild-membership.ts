import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { committedIndexDir } from '../src/references/catalog.js';
import { readReferenceIndex } from '../src/references/reference-index.js';
import { vocabMembershipSection } from '../src/signatures/vocab-membership-section.js';
import { loadCommittedReferences } from './load-references.js';

/** Writes the committed index's vocabulary-membership section again from the committed references. */
const dir = committedIndexDir();
const index = await readReferenceIndex(dir);
if (!index) throw new Error(`no index in ${dir}`);
const references = await loadCommittedReferences((line) => console.error(line));
const files = await vocabMembershipSection(references, index);
for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
