import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percent } from '../../src/report/report-facts.js';
import { runCliIo } from './run-fixture.js';

let root: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-progress-'));
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOKPRINT_HOME: join(root, 'home'),
    TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
  };
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** The progress frames written to stderr, each redrawn over the last. */
function frames(stderr: string): string[] {
  return stderr
    .split('\r\u001b[2K')
    .filter(Boolean)
    .map((f) => f.replace(/^tokprint: /, ''));
}

describe('the progress line', () => {
  it('on a terminal: one frame per count request, the last with the leader the verdict names, then cleared', async () => {
    const result = await runCliIo(['identify', '--channels', 'usage', '--json', '--out', 'runs'], env, root, {
      stdout: false,
      stderr: true,
    });
    expect(result.code).toBe(0);
    const verdict = JSON.parse(result.stdout);
    const shown = frames(result.stderr);
    expect(shown.map((f) => /^request (\d+)\/6,/.exec(f)?.[1])).toEqual(
      Array.from({ length: verdict.queries }, (_, i) => String(i + 1)),
    );
    expect(shown[0]).not.toMatch(/leader/);
    const [best] = verdict.candidates;
    expect(shown.at(-1)).toBe(
      `request ${verdict.queries}/6, ${verdict.promptTokens.toLocaleString('en-US')} prompt tokens, leader ${best.reference} ${percent(best.posterior)}`,
    );
    expect(result.stderr.endsWith('\r\u001b[2K')).toBe(true);
  });

  it('with --stream, names each reference tokenizer loaded for the answer channels, once each', async () => {
    const result = await runCliIo(['identify', '--stream', '--json', '--out', 'runs'], env, root, {
      stdout: false,
      stderr: true,
    });
    expect(result.code).toBe(0);
    const shown = frames(result.stderr);
    const loading = shown.flatMap(
      (f) => /^loading reference tokenizer (\S+) for the answer channels/.exec(f)?.[1] ?? [],
    );
    expect(loading.length).toBeGreaterThan(0);
    expect(new Set(loading).size).toBe(loading.length);
    expect(shown.some((f) => f.startsWith('request '))).toBe(true);
    expect(loading).toContain(JSON.parse(result.stdout).candidates[0].reference);
  });

  it('with --quiet, or when stderr is not a terminal, writes nothing there', async () => {
    const quiet = await runCliIo(['identify', '--channels', 'usage', '--quiet', '--out', 'runs'], env, root, {
      stdout: false,
      stderr: true,
    });
    const piped = await runCliIo(['identify', '--stream', '--out', 'runs'], env, root, {
      stdout: false,
      stderr: false,
    });
    expect([quiet.code, quiet.stderr, piped.code, piped.stderr]).toEqual([0, '', 0, '']);
  });
});
