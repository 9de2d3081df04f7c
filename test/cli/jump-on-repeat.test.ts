import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareReferenceFiles, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

/**
 * A hidden part that now and then carries a retrieved memory (a jump of 40-200 tokens) on a bare frame: one move past
 * every spread the counts are read through. The counts used to be set aside there, three requests in; the frame is now
 * asked once more, and where all but one of its counts agree the one far from them is read as a jump.
 */
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await sandbox.remove();
});

describe('a jump of the hidden part on the bare frame', () => {
  it.each([
    // the first repeat carries the memory, the second is billed as the first frame
    ['on its first repeat', 8],
    // the first frame carries the memory: billed 94, its repeats 47 and 46
    ['on its first count', 7],
  ])('%s is read as a jump once the frame, asked again, shows it, live and on rescore (seed %i)', async (_, seed) => {
    const target = `sim:llama3?vary=id&spread=2&jumps=0.25&seed=${seed}`;
    const out = `runs-${seed}`;
    const run = await runCli(
      ['identify', target, '--channels', 'usage', '--seed', String(seed), '--out', out, '--json'],
      sandbox.env,
      sandbox.root,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const live = JSON.parse(run.stdout);
    expect(live.verdict).toMatchObject({ status: 'match', reference: 'llama3' });
    expect(live.noise.repeats).toBeGreaterThanOrEqual(2);
    expect(live.noise.spread).toBeLessThanOrEqual(2);
    const [dir] = await readdir(join(sandbox.root, out));
    const again = await runCli(['rescore', join(out, dir), '--json'], sandbox.env, sandbox.root);
    expect(again.stderr).toBe('');
    const rescored = JSON.parse(again.stdout);
    expect(rescored.verdict).toMatchObject({ status: 'match', reference: 'llama3' });
    expect(rescored.noise.spread).toBe(live.noise.spread);
  });
});
