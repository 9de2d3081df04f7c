import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareReferenceFiles, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

/**
 * A change seen through a few tokens is claimed only once the request that strayed most, asked again, strayed
 * alike: a hidden id whose usual length came back on both repeats of the bare frame and a rarer one on the edge
 * check once read as a changed vocabulary.
 */
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await sandbox.remove();
});

async function identifyAndRescore(target: string, out: string) {
  const run = await runCli(
    ['identify', target, '--channels', 'usage', '--seed', '1', '--out', out, '--json'],
    sandbox.env,
    sandbox.root,
  );
  expect(run.stderr).toBe('');
  const [dir] = await readdir(join(sandbox.root, out));
  const again = await runCli(['rescore', join(out, dir), '--json'], sandbox.env, sandbox.root);
  expect(again.stderr).toBe('');
  const md = await runCli(['report', join(out, dir), '--format', 'md'], sandbox.env, sandbox.root);
  return { live: JSON.parse(run.stdout), rescored: JSON.parse(again.stdout), md: md.stdout };
}

describe('a small stray asked again', () => {
  it('billed differently, is the hidden part moving: an unchanged Yi under a +-2 id is not called changed', async () => {
    const { live, rescored, md } = await identifyAndRescore('sim:yi?vary=id&spread=2', 'runs-id');
    expect(live.verdict.status).not.toBe('derived');
    expect(live.verdict.family).toBe('yi');
    expect(live.noise).toMatchObject({ packChecks: 1 });
    expect(live.noise.spread).toBeGreaterThan(0);
    // the record holds the check: rescore reads the same move and reaches the same verdict
    expect(rescored.verdict.status).toBe(live.verdict.status);
    expect(rescored.noise).toEqual(live.noise);
    expect(md).toMatch(/\| #\d+ \| probes of #\d+ again, to check its stray \|/);
  });

  it('is judged against the twin the counts lie closest to: an unchanged Qwen2.5 under a +-3 id is not called a changed Qwen3.5', async () => {
    // every count lay within 5 tokens of qwen2.5 and 10 of qwen3.5-split: read as a pruned qwen3.5-split at 99.9%
    const { live, rescored } = await identifyAndRescore('sim:qwen2.5?vary=id&spread=3', 'runs-twin');
    expect(live.verdict.status).not.toBe('derived');
    expect(rescored.verdict.status).toBe(live.verdict.status);
  });

  it('billed alike, confirms a change where identical requests are billed alike', async () => {
    const { live, rescored } = await identifyAndRescore('sim:qwen2.5?drop-merges=300', 'runs-drop');
    expect(live.verdict).toMatchObject({ status: 'derived', reference: 'qwen2.5' });
    expect(live.noise).toBeUndefined();
    expect(rescored.verdict).toMatchObject({ status: 'derived', reference: 'qwen2.5' });
    expect(rescored.queries).toBe(live.queries);
  });
});
