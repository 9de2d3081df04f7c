import { committedIndexDir } from '../../src/references/catalog.js';
import { probePoolDir } from '../../src/signatures/index-section.js';
import { loadCountIndex } from '../../src/signatures/load-count-index.js';
import { signatureGroups } from '../../src/scoring/hypotheses.js';
import { withoutClasses, type CountIndex } from '../../src/signatures/count-index.js';
import { committedEntries } from './manifest-references.js';

let index: Promise<CountIndex> | undefined;

/** The committed count index (signatures, pool, classes), read once per test file. */
export function committedCountIndex(): Promise<CountIndex> {
  return (index ??= loadCountIndex({
    indexDir: committedIndexDir(),
    poolDir: probePoolDir(),
    facts: committedEntries(),
  }));
}

/** `index` without the classes holding reference `id`: that tokenizer is then outside it. */
export function withoutClassOf(index: CountIndex, id: string): CountIndex {
  const own = signatureGroups(index).find((g) => g.references.includes(id))!;
  return withoutClasses(index, own.classIds);
}
