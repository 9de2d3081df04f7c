import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../../util/errors.js';

const run = promisify(execFile);

/** Largest file read out of a bundle (the largest llama.cpp vocabulary is ~16 MB). */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
const COMMIT = /^[0-9a-f]{40}$/;

function gitFailure(error: unknown, what: string): UserError {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT')
    return new UserError(`${what} needs git on the PATH to read the package's git bundle; install git and try again`, {
      cause: error,
    });
  const detail = String((error as { stderr?: Buffer | string }).stderr ?? '')
    .split('\n')
    .find((line) => /^(fatal|error):/.test(line.trim()));
  return new UserError(`${what}: git could not read the bundle${detail ? ` (${detail.trim()})` : ''}`, {
    cause: error,
  });
}

/**
 * Reads files out of a git bundle (a repository packed into one file) at a pinned commit, with the git binary:
 * the bundle is cloned into a scratch bare repository and each file read with `git cat-file`. Git is used rather
 * than a JavaScript reimplementation because it reads every pack and delta form git writes, and is on the PATH
 * wherever a bundle is made.
 */
export async function readFilesFromGitBundle(
  bundle: Uint8Array,
  commit: string,
  paths: readonly string[],
  what: string,
): Promise<Map<string, Uint8Array>> {
  if (!COMMIT.test(commit))
    throw new UserError(
      `${what}: the pinned commit "${commit}" is not 40 lowercase hex digits; fix the manifest entry`,
    );
  const work = await mkdtemp(join(tmpdir(), 'tokprint-bundle-'));
  try {
    const file = join(work, 'source.bundle');
    const repo = join(work, 'repo.git');
    await writeFile(file, bundle);
    const git = (args: string[]) =>
      run('git', args, {
        encoding: 'buffer',
        maxBuffer: MAX_FILE_BYTES,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      });
    try {
      await git(['clone', '--quiet', '--bare', file, repo]);
    } catch (error) {
      throw gitFailure(error, what);
    }
    const found = new Map<string, Uint8Array>();
    for (const path of paths) {
      try {
        const { stdout } = await git(['-C', repo, 'cat-file', 'blob', `${commit}:${path}`]);
        found.set(path, new Uint8Array(stdout));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw gitFailure(error, what);
        throw new UserError(
          `${what}: the bundle has no ${path} at commit ${commit}; the manifest entry names the wrong path, commit or version`,
          { cause: error },
        );
      }
    }
    return found;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
