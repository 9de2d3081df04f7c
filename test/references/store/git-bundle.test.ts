import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFilesFromGitBundle } from '../../../src/references/store/git-bundle.js';
import { isUserError } from '../../../src/util/errors.js';

const run = promisify(execFile);
const binary = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 131 + (i >> 8)) & 0xff);

let dir: string;
let bundle: Uint8Array;
let first: string;
let second: string;

/** A real repository with two commits, packed by git into a bundle. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokprint-bundle-test-'));
  const repo = join(dir, 'repo');
  await mkdir(join(repo, 'models'), { recursive: true });
  const git = (...args: string[]) =>
    run('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args]);
  await run('git', ['init', '--quiet', repo]);
  await writeFile(join(repo, 'models', 'vocab.bin'), binary);
  await writeFile(join(repo, 'README'), 'first\n');
  await git('add', '.');
  await git('commit', '--quiet', '-m', 'first');
  first = (await git('rev-parse', 'HEAD')).stdout.trim();
  await writeFile(join(repo, 'README'), 'second\n');
  await git('commit', '--quiet', '-am', 'second');
  second = (await git('rev-parse', 'HEAD')).stdout.trim();
  await git('bundle', 'create', '--quiet', join(dir, 'repo.bundle'), '--all');
  bundle = await readFile(join(dir, 'repo.bundle'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error && isUserError(error), String(error)).toBe(true);
  return error!;
}

describe('readFilesFromGitBundle', () => {
  it('reads files byte for byte at the pinned commit, not at the tip', async () => {
    const files = await readFilesFromGitBundle(bundle, first, ['models/vocab.bin', 'README'], 'test');
    expect(Buffer.from(files.get('models/vocab.bin')!).equals(Buffer.from(binary))).toBe(true);
    expect(new TextDecoder().decode(files.get('README'))).toBe('first\n');
    const tip = await readFilesFromGitBundle(bundle, second, ['README'], 'test');
    expect(new TextDecoder().decode(tip.get('README'))).toBe('second\n');
  });

  it('names a path the commit lacks as a manifest mistake', async () => {
    const error = await failure(readFilesFromGitBundle(bundle, first, ['models/nope.gguf'], 'reference x'));
    expect(error.message).toMatch(
      /^reference x: the bundle has no models\/nope\.gguf at commit [0-9a-f]{40}; .*wrong path/,
    );
  });

  it('refuses a commit that is not 40 hex digits before running git', async () => {
    const error = await failure(readFilesFromGitBundle(bundle, 'HEAD', ['README'], 'reference x'));
    expect(error.message).toMatch(/pinned commit "HEAD" is not 40 lowercase hex digits/);
  });

  it('reports a damaged bundle in one line', async () => {
    const error = await failure(readFilesFromGitBundle(bundle.subarray(0, 200), first, ['README'], 'reference x'));
    expect(error.message).toMatch(/^reference x: git could not read the bundle/);
    expect(error.message).not.toContain('\n');
  });
});
