import { readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { UserFile } from '../util/user-file.js';
import { readGgufHeader } from './formats/gguf-read.js';
import {
  checkHfRevision,
  hfHubOptions,
  isHfRepoId,
  MAX_TOKENIZER_FILE_BYTES,
  tryDownloadHfFile,
  type HfHubOptions,
} from './store/hf-hub.js';
import type { TokenizerFormat } from './tokenizer.js';
import type { ParsedJson } from '../util/parsed-json.js';

export interface SourceFile {
  /** The file's name within its source: a base name for local files, a path in the repository for the hub. */
  path: string;
  bytes: Uint8Array;
}

export type SourceOrigin = { kind: 'local'; path: string } | { kind: 'hf'; repo: string; revision: string };

export interface ResolvedSource {
  format: TokenizerFormat;
  files: { main: SourceFile; config?: SourceFile };
  origin: SourceOrigin;
}

export interface ResolveOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Overrides the revision in `hf:org/repo@revision`. */
  revision?: string;
}

const CONFIG_NAME = 'tokenizer_config.json';
const EXPECTED =
  'expected a tokenizer.json, a GGUF file, a tiktoken rank file (*.tiktoken, tiktoken.model), a model directory holding one, or hf:org/repo[@revision]';
const TIKTOKEN_LINE = /^[A-Za-z0-9+/]+={0,2} \d+$/;

function isTiktokenRanks(bytes: Uint8Array): boolean {
  // Look at the first line before decoding the whole file, which may be a large binary.
  const head = new TextDecoder().decode(bytes.subarray(0, 256)).split('\n')[0].trimEnd();
  if (!TIKTOKEN_LINE.test(head)) return false;
  const lines = new TextDecoder()
    .decode(bytes)
    .split('\n')
    .filter((line) => line.trim());
  return lines.every((line) => TIKTOKEN_LINE.test(line.trimEnd()));
}

/** The format of a tokenizer file, told from its content; the name is only used in messages. */
export function detectFormat(bytes: Uint8Array, name: string): TokenizerFormat {
  if (bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === 'GGUF') return 'gguf';
  const text = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 64)));
  if (text.trimStart().startsWith('{')) {
    let json: ParsedJson;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new UserError(
        `${name} is not valid JSON (${(error as Error).message}); the file is truncated or damaged: download it again`,
        { cause: error },
      );
    }
    if (json?.model && typeof json.model === 'object' && json.model.vocab) return 'hf-json';
    throw new UserError(`${name} is JSON but not a Hugging Face tokenizer.json (it has no model.vocab)`);
  }
  if (isTiktokenRanks(bytes)) return 'tiktoken';
  if (name.toLowerCase().endsWith('.gguf'))
    throw new UserError(
      `${name} is not a GGUF file (it does not start with the GGUF magic); the file is truncated or damaged`,
    );
  throw new UserError(`${name}: unknown tokenizer format; ${EXPECTED}`);
}

const WHAT_FILE = 'a tokenizer.json, tiktoken or config file';

/**
 * A tokenizer file from disk: a GGUF model by its metadata header only (it may be many gigabytes of tensors);
 * anything else whole, up to MAX_TOKENIZER_FILE_BYTES. Devices, pipes and sockets are refused.
 */
function readLocalFile(path: string, name: string): SourceFile {
  const file = UserFile.open(path);
  try {
    const magic = file.read(0, 4);
    if (magic.length === 4 && String.fromCharCode(...magic) === 'GGUF') {
      return { path: name, bytes: readGgufHeader((position, length) => file.read(position, length), file.size, path) };
    }
    return { path: name, bytes: file.readAll(MAX_TOKENIZER_FILE_BYTES, WHAT_FILE) };
  } finally {
    file.close();
  }
}

/** Which file of a model directory is the tokenizer, by the names model repositories use. */
function pickMainFile(names: readonly string[], dir: string): string {
  if (names.includes('tokenizer.json')) return 'tokenizer.json';
  if (names.includes('tiktoken.model')) return 'tiktoken.model';
  const tiktoken = names.filter((name) => name.endsWith('.tiktoken'));
  const gguf = names.filter((name) => name.toLowerCase().endsWith('.gguf'));
  if (tiktoken.length === 1) return tiktoken[0];
  if (tiktoken.length > 1)
    throw new UserError(`${dir} holds several *.tiktoken files (${tiktoken.join(', ')}); pass one of them`);
  if (gguf.length === 1) return gguf[0];
  if (gguf.length > 1) throw new UserError(`${dir} holds several GGUF files (${gguf.join(', ')}); pass one of them`);
  throw new UserError(`${dir} holds no tokenizer.json, tiktoken.model, *.tiktoken or *.gguf file; ${EXPECTED}`);
}

async function resolveLocal(path: string): Promise<ResolvedSource> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path} (${code ?? (error as Error).message})`,
      { cause: error },
    );
  }
  const origin: SourceOrigin = { kind: 'local', path };
  if (!info.isDirectory()) {
    const main = readLocalFile(path, basename(path));
    return { format: detectFormat(main.bytes, path), files: { main }, origin };
  }
  let names: string[];
  try {
    names = await readdir(path);
  } catch (error) {
    throw new UserError(
      `cannot read the directory ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { cause: error },
    );
  }
  const mainName = pickMainFile(names, path);
  const main = readLocalFile(join(path, mainName), mainName);
  const format = detectFormat(main.bytes, join(path, mainName));
  const config =
    format !== 'gguf' && names.includes(CONFIG_NAME) ? readLocalFile(join(path, CONFIG_NAME), CONFIG_NAME) : undefined;
  return { format, files: config ? { main, config } : { main }, origin };
}

/** Parses `hf:org/repo[@revision]`; undefined when `spec` is not of that form. */
export function parseHfSpec(spec: string): { repo: string; revision: string } | undefined {
  if (!spec.startsWith('hf:')) return undefined;
  const rest = spec.slice(3);
  const at = rest.indexOf('@');
  const repo = at < 0 ? rest : rest.slice(0, at);
  const revision = at < 0 ? 'main' : rest.slice(at + 1);
  if (!isHfRepoId(repo))
    throw new UserError(`"${spec}" is not a hub reference; expected hf:org/repo or hf:org/repo@revision`);
  checkHfRevision(revision, repo);
  return { repo, revision };
}

async function resolveHf(repo: string, revision: string, hub: HfHubOptions): Promise<ResolvedSource> {
  for (const mainName of ['tokenizer.json', 'tiktoken.model']) {
    const main = await tryDownloadHfFile(hub, repo, revision, mainName);
    if (!main) continue;
    // Pin the commit the hub resolved the revision to, so the entry keeps meaning the same files.
    const pinned = main.commit ?? revision;
    const config = await tryDownloadHfFile(hub, repo, pinned, CONFIG_NAME);
    const files = {
      main: { path: mainName, bytes: main.bytes },
      ...(config && { config: { path: CONFIG_NAME, bytes: config.bytes } }),
    };
    return {
      format: detectFormat(main.bytes, `hf:${repo}@${revision}/${mainName}`),
      files,
      origin: { kind: 'hf', repo, revision: pinned },
    };
  }
  throw new UserError(
    `hf:${repo}@${revision} has no tokenizer.json or tiktoken.model; check the repository and revision`,
  );
}

/** Turns what a user typed (a file, a model directory, or hf:org/repo[@revision]) into a format and file contents. */
export async function resolveTokenizerSource(spec: string, options: ResolveOptions): Promise<ResolvedSource> {
  const hf = parseHfSpec(spec);
  if (hf) {
    const revision = options.revision ?? hf.revision;
    checkHfRevision(revision, hf.repo);
    return resolveHf(hf.repo, revision, hfHubOptions(options.env));
  }
  if (options.revision !== undefined) throw new UserError('--revision applies only to hf:org/repo sources');
  return resolveLocal(resolve(options.cwd, spec));
}
