import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-stream-sim-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Simulated servers batching several tokens per chunk: the stream must agree with the honest counts. */
describe('identify --stream on simulated servers that batch tokens', () => {
  it.each([
    ['yi', 2],
    ['qwen2.5', 4],
  ])('sim:%s?stream-interval=%i is a match with no consistency flag', async (reference, interval) => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, TOKPRINT_CACHE: process.env.TOKPRINT_CACHE };
    const result = await runCli(
      ['identify', `sim:${reference}?stream-interval=${interval}`, '--stream', '--json', '--quiet', '--out', root],
      env,
      root,
    );
    expect(result.stderr).toBe('');
    const verdict = JSON.parse(result.stdout).verdict;
    expect(verdict.flags ?? []).toEqual([]);
    expect(verdict.status).toBe('match');
    expect(verdict.class).toContain(reference);
  });
});
