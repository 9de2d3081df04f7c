import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/program.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';

/** The environment of a CLI run against a local OpenAI-compatible test server: the shared cache and a test key. */
export function openAiTestEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
    OPENAI_API_KEY: 'sk-test',
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with its own output buffers and the given environment and working directory. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), env, cwd };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

export interface Sandbox {
  root: string;
  /** TOKPRINT_HOME and TOKPRINT_CACHE inside `root`; nothing else from the real environment but PATH and HOME. */
  env: NodeJS.ProcessEnv;
  home: string;
  cache: string;
  /** Every file under TOKPRINT_HOME and TOKPRINT_CACHE, relative to the sandbox root. */
  files(): Promise<string[]>;
  remove(): Promise<void>;
}

async function walk(dir: string, root: string): Promise<string[]> {
  let names: Dirent[];
  try {
    names = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const nested = await Promise.all(
    names.map((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name), root) : [relative(root, join(dir, entry.name))],
    ),
  );
  return nested.flat().sort();
}

export async function makeSandbox(extraEnv: NodeJS.ProcessEnv = {}): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'tokprint-test-'));
  const home = join(root, 'home');
  const cache = join(root, 'cache');
  return {
    root,
    home,
    cache,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TOKPRINT_HOME: home, TOKPRINT_CACHE: cache, ...extraEnv },
    files: async () => [...(await walk(home, root)), ...(await walk(cache, root))],
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** Lets the sandbox's cache reach the reference files already downloaded, while it keeps its own answer cache. */
export async function shareReferenceFiles(sandbox: Sandbox): Promise<void> {
  const shared = cacheDir();
  await mkdir(sandbox.cache, { recursive: true });
  for (const name of await readdir(shared))
    if (name !== 'http') await symlink(join(shared, name), join(sandbox.cache, name));
}

/** stderr without the line saying what the target gives and what is read (printed when no channel is named). */
export function withoutChannelsLine(stderr: string): string {
  return stderr.replace(/^tokprint: the target gives [^\n]*\n/m, '');
}

/** A single error line, as the CLI promises for a user's mistake. */
export function isOneLine(text: string): boolean {
  return /^tokprint: [^\n]+\n$/.test(text);
}
