import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TOKENIZER_FORMATS } from './formats/index.js';
import type { Manifest, ReferenceEntry } from './manifest.js';
import { INDEX_FILE, readReferenceIndex } from './reference-index.js';
import { withIndexLock } from './store/index-lock.js';
import { packageRoot } from './store/package-root.js';
import { userIndexDir } from './store/tokprint-home.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { UserError } from '../util/errors.js';
import type { ParsedJson } from '../util/parsed-json.js';

export type EntryOrigin = 'committed' | 'user';

export interface CatalogEntry {
  entry: ReferenceEntry;
  origin: EntryOrigin;
}

export interface Catalog {
  entries: CatalogEntry[];
  /** The user manifest this catalog read, and where `refs add` writes. */
  userManifestPath: string;
  /** Class of each reference, from the committed index.json when it exists. */
  classes: Map<string, string>;
}

export interface CatalogOptions {
  env: NodeJS.ProcessEnv;
  /** A user index directory other than $TOKPRINT_HOME/index. */
  userIndexDir?: string;
}

export function committedIndexDir(): string {
  return join(packageRoot(), 'reference-tokenizers');
}

const SOURCE_KINDS = new Set(['npm', 'hf', 'local']);

function checkEntry(value: ParsedJson, where: string): ReferenceEntry {
  const bad = (what: string) => new UserError(`${where}: ${what}; fix or remove that entry`);
  if (!value || typeof value !== 'object') throw bad('an entry is not an object');
  const id = typeof value.id === 'string' && value.id ? value.id : undefined;
  if (!id) throw bad('an entry has no id');
  for (const field of ['family', 'format'] as const) {
    if (typeof value[field] !== 'string' || !value[field]) throw bad(`entry ${id} has no ${field}`);
  }
  if (!TOKENIZER_FORMATS.has(value.format)) throw bad(`entry ${id} has unknown format "${value.format}"`);
  if (!Array.isArray(value.models ?? [])) throw bad(`entry ${id}: models is not a list`);
  const source = value.source;
  if (!source || !SOURCE_KINDS.has(source.kind)) throw bad(`entry ${id} has no source of kind npm, hf or local`);
  const main = source.files?.main;
  if (!main || typeof main.path !== 'string' || typeof main.sha256 !== 'string')
    throw bad(`entry ${id} has no files.main with path and sha256`);
  const bundle = source.gitBundle;
  if (bundle !== undefined && (typeof bundle?.path !== 'string' || typeof bundle?.commit !== 'string'))
    throw bad(`entry ${id}: source.gitBundle needs a path and a commit`);
  if (value.mirrors !== undefined && !mirrorsUsable(value.mirrors, source.files))
    throw bad(`entry ${id}: mirrors must be npm or hf sources pinning the same files (same sha256 per role)`);
  return { publisher: '', jurisdiction: '', license: '', models: [], ...value };
}

/** Mirrors are fetchable sources of the very same files: every role the source pins, with the same sha256. */
function mirrorsUsable(mirrors: ParsedJson, files: ParsedJson): boolean {
  if (!Array.isArray(mirrors)) return false;
  const pins = Object.entries(files as Record<string, { sha256: string }>);
  return mirrors.every(
    (mirror) =>
      (mirror?.kind === 'npm' || mirror?.kind === 'hf') &&
      pins.every(
        ([role, file]) => typeof mirror.files?.[role]?.path === 'string' && mirror.files[role].sha256 === file.sha256,
      ),
  );
}

/** Reads a manifest file; a missing file is an empty manifest, an unreadable one is the user's to fix. */
export async function readManifestFile(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { schema: 1, references: [] };
    throw new UserError(`cannot read ${path} (${(error as Error).message})`, { cause: error });
  }
  let json: ParsedJson;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path} is not valid JSON (${(error as Error).message}); fix or remove it`, { cause: error });
  }
  if (json?.schema !== 1 || !Array.isArray(json.references)) {
    throw new UserError(`${path} is not a tokprint manifest (expected {"schema": 1, "references": [...]})`);
  }
  return { schema: 1, references: json.references.map((entry: unknown) => checkEntry(entry, path)) };
}

/** The class of each reference, from a built index.json; empty when the directory has none. */
export async function readClasses(dir: string): Promise<Map<string, string>> {
  const index = await readReferenceIndex(dir);
  return new Map((index?.references ?? []).map((reference) => [reference.id, reference.class]));
}

/**
 * The index identification reads: the user's, once `refs build` has built one there (it covers the
 * built-in references too), else the committed one.
 */
export function activeIndexDir(env: NodeJS.ProcessEnv, userDir: string = userIndexDir(env)): string {
  return existsSync(join(userDir, INDEX_FILE)) ? userDir : committedIndexDir();
}

/** The committed references merged with the user's own; ids are unique across both. */
export async function loadCatalog(options: CatalogOptions): Promise<Catalog> {
  const committedDir = committedIndexDir();
  const userDir = options.userIndexDir ?? userIndexDir(options.env);
  const userManifestPath = join(userDir, 'manifest.json');
  const [committed, user, classes] = await Promise.all([
    readManifestFile(join(committedDir, 'manifest.json')),
    readManifestFile(userManifestPath),
    readClasses(activeIndexDir(options.env, userDir)),
  ]);
  const entries: CatalogEntry[] = committed.references.map((entry) => ({ entry, origin: 'committed' }));
  const seen = new Set(entries.map(({ entry }) => entry.id));
  for (const entry of user.references) {
    if (seen.has(entry.id)) {
      throw new UserError(
        `${userManifestPath}: reference id "${entry.id}" is already a built-in reference; rename or remove the user entry`,
      );
    }
    seen.add(entry.id);
    entries.push({ entry, origin: 'user' });
  }
  return { entries, userManifestPath, classes };
}

export function findEntry(catalog: Catalog, id: string): CatalogEntry | undefined {
  return catalog.entries.find(({ entry }) => entry.id === id);
}

/** Fails with the closest known ids when `id` is not in the catalog. */
export function requireEntry(catalog: Catalog, id: string): CatalogEntry {
  const found = findEntry(catalog, id);
  if (found) return found;
  const ids = catalog.entries.map(({ entry }) => entry.id);
  const close = closestIds(id, ids);
  const hint = close.length
    ? `; did you mean ${close.join(', ')}?`
    : ids.length
      ? '; run tokprint refs list to see the known ids'
      : '; no references are indexed yet';
  throw new UserError(`unknown reference "${id}"${hint}`);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Known ids that look like a mistyped `id`: a small edit away, or containing it. */
export function closestIds(id: string, ids: readonly string[], limit = 3): string[] {
  const wanted = id.toLowerCase();
  return ids
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      const distance = lower.includes(wanted) || wanted.includes(lower) ? 0 : editDistance(wanted, lower);
      return { candidate, distance };
    })
    .filter(({ distance }) => distance <= Math.max(2, Math.floor(wanted.length / 3)))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}

/** Fails when `id` is already a built-in or user reference. */
export function refuseTakenId(catalog: Catalog, id: string): void {
  const existing = findEntry(catalog, id);
  if (!existing) return;
  const where = existing.origin === 'committed' ? 'a built-in reference' : `already in ${catalog.userManifestPath}`;
  throw new UserError(`reference id "${id}" is ${where}; choose another --id`);
}

/**
 * Appends an entry to the user manifest: read, checked and written atomically under the index lock, so
 * entries added by other processes meanwhile are kept; an id already in the catalog or the manifest is refused.
 */
export async function addUserEntry(catalog: Catalog, entry: ReferenceEntry): Promise<void> {
  refuseTakenId(catalog, entry.id);
  await withIndexLock(dirname(catalog.userManifestPath), async () => {
    const user = await readManifestFile(catalog.userManifestPath);
    if (user.references.some((existing) => existing.id === entry.id)) {
      throw new UserError(`reference id "${entry.id}" is already in ${catalog.userManifestPath}; choose another --id`);
    }
    const next: Manifest = { schema: 1, references: [...user.references, entry] };
    await writeFileAtomic(catalog.userManifestPath, `${JSON.stringify(next, null, 2)}\n`);
  });
}

/** A short, stable description of where a reference's main file comes from. */
export function describeSource(entry: ReferenceEntry): string {
  const source = entry.source;
  switch (source.kind) {
    case 'npm':
      return source.gitBundle
        ? `npm:${source.package}@${source.version}/${source.gitBundle.path}#${source.gitBundle.commit.slice(0, 12)}:${source.files.main.path}`
        : `npm:${source.package}@${source.version}/${source.files.main.path}`;
    case 'hf':
      return `hf:${source.repo}@${source.revision}/${source.files.main.path}`;
    case 'local':
      return `local:${source.origin}`;
  }
}
