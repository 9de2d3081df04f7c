import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with the given terminal-ness of its streams. */
export async function runCliIo(
  argv: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  isTTY?: CliIo['isTTY'],
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env,
    cwd,
    isTTY,
  });
  return { code, stdout, stderr };
}

export interface RunFixture {
  root: string;
  env: NodeJS.ProcessEnv;
  /** The run directory of `identify` on the built-in default target (a simulated DeepSeek-V3-based API). */
  run: string;
  identify: CliRun;
  remove(): Promise<void>;
}

/** One real identify run of the default target on its billed counts, with every report written, in a temporary directory. */
export async function defaultRun(extraArgs: string[] = ['--report', 'all']): Promise<RunFixture> {
  const root = await mkdtemp(join(tmpdir(), 'tokprint-report-'));
  // the cache the global setup filled; a home of our own so no user index leaks in
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOKPRINT_HOME: join(root, 'home'),
    TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
  };
  const identify = await runCliIo(
    ['identify', '--channels', 'usage', '--json', '--out', join(root, 'runs'), ...extraArgs],
    env,
    root,
  );
  if (identify.code !== 0) throw new Error(`identify failed (${identify.code}): ${identify.stderr}`);
  return {
    root,
    env,
    run: JSON.parse(identify.stdout).run,
    identify,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
