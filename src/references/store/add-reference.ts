import type { ReferenceEntry, ReferenceSource } from '../manifest.js';
import type { TiktokenSettings, Tokenizer, TokenizerFiles } from '../tokenizer.js';
import { createTokenizer } from '../formats/index.js';
import { addUserEntry, describeSource, loadCatalog, refuseTakenId } from '../catalog.js';
import { resolveTokenizerSource } from '../local-source.js';
import { getPinned } from './pinned-cache.js';
import { tiktokenSettings } from './tiktoken-presets.js';
import { sha256Hex } from '../../util/hash.js';
import { UserError } from '../../util/errors.js';

export interface AddReferenceRequest {
  /** A tokenizer file, a model directory, or hf:org/repo[@revision]. */
  source: string;
  id: string;
  family: string;
  publisher?: string;
  jurisdiction?: string;
  license?: string;
  models?: string[];
  revision?: string;
  tiktokenPattern?: string;
  tiktokenPreset?: string;
}

export interface AddReferenceContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  cacheRoot: string;
  userIndexDir?: string;
}

export interface AddedReference {
  entry: ReferenceEntry;
  tokenizer: Tokenizer;
  manifestPath: string;
}

const ID = /^[a-z0-9][a-z0-9._-]*$/;

function checkNames(request: AddReferenceRequest): void {
  if (!ID.test(request.id))
    throw new UserError(
      `--id "${request.id}" must be lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  if (!ID.test(request.family))
    throw new UserError(
      `--family "${request.family}" must be lowercase letters, digits, ".", "_" or "-", e.g. qwen2 or llama3`,
    );
  if (request.jurisdiction && !/^[A-Za-z]{2}$/.test(request.jurisdiction)) {
    throw new UserError(
      `--jurisdiction "${request.jurisdiction}" must be an ISO 3166-1 alpha-2 country code, e.g. US or CN`,
    );
  }
}

/**
 * Adds a user's tokenizer to their index. The files are loaded once before anything is written, so a file that
 * does not load leaves the cache and the index as they were; then the files go into the pinned cache and the
 * entry into the user manifest, each written atomically.
 */
export async function addReference(
  request: AddReferenceRequest,
  context: AddReferenceContext,
): Promise<AddedReference> {
  checkNames(request);
  const catalog = await loadCatalog({ env: context.env, userIndexDir: context.userIndexDir });
  refuseTakenId(catalog, request.id);

  const resolved = await resolveTokenizerSource(request.source, {
    cwd: context.cwd,
    env: context.env,
    revision: request.revision,
  });
  const wantsTiktoken = request.tiktokenPattern !== undefined || request.tiktokenPreset !== undefined;
  if (wantsTiktoken && resolved.format !== 'tiktoken') {
    throw new UserError(
      `--tiktoken-pattern and --tiktoken-preset apply only to tiktoken rank files; ${request.source} is ${resolved.format}`,
    );
  }
  const tiktoken: TiktokenSettings | undefined =
    resolved.format === 'tiktoken'
      ? tiktokenSettings({
          preset: request.tiktokenPreset,
          pattern: request.tiktokenPattern,
          ranks: resolved.files.main.bytes,
          config: resolved.files.config?.bytes,
        })
      : undefined;

  const files: TokenizerFiles = {
    main: resolved.files.main.bytes,
    ...(resolved.files.config && { config: resolved.files.config.bytes }),
  };
  const tokenizer = createTokenizer(resolved.format, files, tiktoken);

  const pins = {
    main: { path: resolved.files.main.path, sha256: sha256Hex(resolved.files.main.bytes) },
    ...(resolved.files.config && {
      config: { path: resolved.files.config.path, sha256: sha256Hex(resolved.files.config.bytes) },
    }),
  };
  const source: ReferenceSource =
    resolved.origin.kind === 'hf'
      ? { kind: 'hf', repo: resolved.origin.repo, revision: resolved.origin.revision, files: pins }
      : { kind: 'local', origin: resolved.origin.path, files: pins };
  const entry: ReferenceEntry = {
    id: request.id,
    family: request.family,
    publisher: request.publisher ?? '',
    jurisdiction: request.jurisdiction?.toUpperCase() ?? '',
    license: request.license ?? '',
    models: request.models ?? [],
    format: resolved.format,
    source,
    ...(tiktoken && { tiktoken }),
    verification: `loaded by tokprint refs add: ${tokenizer.vocabSize} ids, content sha256 ${tokenizer.contentHash}`,
  };

  for (const [role, pin] of Object.entries(pins)) {
    const bytes = role === 'main' ? files.main : files.config!;
    await getPinned(context.cacheRoot, pin.sha256, `${describeSource(entry)} (${pin.path})`, async () => bytes);
  }
  await addUserEntry(catalog, entry);
  return { entry, tokenizer, manifestPath: catalog.userManifestPath };
}
