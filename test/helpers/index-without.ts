import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A user index under `home` that is the committed one without one class: that class's tokenizer is then outside
 * the index, as a product built on a tokenizer tokprint does not know.
 */
export function indexWithout(home: string, classId: string): void {
  const committed = fileURLToPath(new URL('../../reference-tokenizers/', import.meta.url));
  const index = JSON.parse(readFileSync(join(committed, 'index.json'), 'utf8'));
  index.references = index.references.filter((r: { class: string }) => r.class !== classId);
  index.classes = index.classes.filter((c: { id: string }) => c.id !== classId);
  const signatures = JSON.parse(readFileSync(join(committed, 'count-signatures.json'), 'utf8'));
  const kept = new Set(index.references.map((r: { id: string }) => r.id));
  signatures.references = signatures.references.filter((r: { id: string }) => kept.has(r.id));
  mkdirSync(join(home, 'index'), { recursive: true });
  writeFileSync(join(home, 'index', 'index.json'), JSON.stringify(index));
  writeFileSync(join(home, 'index', 'count-signatures.json'), JSON.stringify(signatures));
}

/** The sandbox's environment with a home whose index lacks `classId` (see indexWithout). */
export function envWithout(sandbox: { root: string; env: NodeJS.ProcessEnv }, classId: string): NodeJS.ProcessEnv {
  const home = join(sandbox.root, `home-without-${classId}`);
  indexWithout(home, classId);
  return { ...sandbox.env, TOKPRINT_HOME: home };
}
