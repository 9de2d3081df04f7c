import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareReferenceFiles, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

/**
 * A hidden part that now and then carries a retrieved memory (a jump of 40-200 tokens) on the first repeat of the
 * bare frame: one move past every spread the counts are read through. The counts used to be set aside there, three
 * requests in; the frame is now asked once more, and a count back within reach of the first reads the move as a
 * jump. (Seed 8 of this target: the first repeat carries the memory and the second is billed as the first.)
 */
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await sandbox.remove();
});

describe('a jump on the first repeat of the bare frame', () => {
  it('is read as a jump once the frame, asked again, comes back, live and on rescore', async () => {
    const target = 'sim:llama3?vary=id&spread=2&jumps=0.25&seed=8';
    const run = await runCli(
      ['identify', target, '--channels', 'usage', '--seed', '8', '--out', 'runs', '--json'],
      sandbox.env,
      sandbox.root,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const live = JSON.parse(run.stdout);
    expect(live.verdict).toMatchObject({ status: 'match', reference: 'llama3' });
    expect(live.noise.repeats).toBeGreaterThanOrEqual(2);
    expect(live.noise.spread).toBeLessThanOrEqual(10);
    const [dir] = await readdir(join(sandbox.root, 'runs'));
    const again = await runCli(['rescore', join('runs', dir), '--json'], sandbox.env, sandbox.root);
    expect(again.stderr).toBe('');
    const rescored = JSON.parse(again.stdout);
    expect(rescored.verdict).toMatchObject({ status: 'match', reference: 'llama3' });
    expect(rescored.noise.spread).toBe(live.noise.spread);
  });

  it('on the first count itself (its repeats then agree with each other) is read as a jump too', async () => {
    // seed 7 of this target: the first bare frame carries the memory, billed 94 against its repeats' 47 and 46
    const target = 'sim:llama3?vary=id&spread=2&jumps=0.25&seed=7';
    const run = await runCli(
      ['identify', target, '--channels', 'usage', '--seed', '7', '--out', 'runs-first', '--json'],
      sandbox.env,
      sandbox.root,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const live = JSON.parse(run.stdout);
    expect(live.verdict).toMatchObject({ status: 'match', reference: 'llama3' });
    expect(live.noise.spread).toBeLessThanOrEqual(2);
    const [dir] = await readdir(join(sandbox.root, 'runs-first'));
    const again = await runCli(['rescore', join('runs-first', dir), '--json'], sandbox.env, sandbox.root);
    const rescored = JSON.parse(again.stdout);
    expect(rescored.verdict).toMatchObject({ status: 'match', reference: 'llama3' });
    expect(rescored.noise.spread).toBe(live.noise.spread);
  });
});
