import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareReferenceFiles, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

/**
 * Counts set aside for a frame that moved past every spread the noise model weighs report the spread their reason
 * names: the model reads such a move as a jump on a small spread, and the noise line once said "about 1 token"
 * beside a reason of 168.
 */
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await sandbox.remove();
});

describe('counts set aside for a large move', () => {
  it('report one spread: the frame moves named in the reason, live and on rescore', async () => {
    const target = 'sim:llama3?vary=paragraph&spread=400';
    const run = await runCli(['identify', target, '--seed', '1', '--out', 'runs', '--json'], sandbox.env, sandbox.root);
    const live = JSON.parse(run.stdout);
    expect(live.noise.reason).toMatch(/unstable/);
    const named = Number(/vary by about (\d+) tokens/.exec(live.noise.reason)?.[1]);
    expect(named).toBeGreaterThan(10);
    expect(live.noise.spread).toBe(named);
    const [dir] = await readdir(join(sandbox.root, 'runs'));
    const again = await runCli(['rescore', join('runs', dir), '--json'], sandbox.env, sandbox.root);
    expect(JSON.parse(again.stdout).noise.spread).toBe(named);
    const terminal = await runCli(['report', join('runs', dir)], sandbox.env, sandbox.root);
    expect(terminal.stdout).toContain(`vary by about ${named} tokens (measured with`);
  });
});
