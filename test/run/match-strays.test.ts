import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox, shareReferenceFiles } from '../helpers/cli.js';
import { envWithout } from '../helpers/index-without.js';

/**
 * Under a hidden prompt that moves, a match stands only where its counts stay within the moves identical requests
 * showed: a Yi outside the index behind a +-2 id was read `match deepseek-coder` at 99.98%, its counts 9 to 54
 * tokens off on six of seven requests, the spread the likelihood weighed being drawn from those misses themselves.
 */
let sandbox: Sandbox;
let withoutYi: NodeJS.ProcessEnv;

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
  withoutYi = envWithout(sandbox, 'yi');
});
afterAll(() => sandbox?.remove());

async function identify(target: string, seed: string, out: string, env: NodeJS.ProcessEnv) {
  const live = await runCli(
    ['identify', target, '--channels', 'usage', '--seed', seed, '--out', out, '--json'],
    env,
    sandbox.root,
  );
  expect(live.stderr).toBe('');
  const [run] = readdirSync(join(sandbox.root, out));
  const again = await runCli(['rescore', join(out, run), '--json'], env, sandbox.root);
  return { live: JSON.parse(live.stdout), rescored: JSON.parse(again.stdout) };
}

describe('a match under noise', () => {
  it('is not claimed for a tokenizer outside the index whose counts stray past the moves measured', async () => {
    const { live, rescored } = await identify('sim:yi?vary=id&spread=2', '2', 'runs-open', withoutYi);
    expect(live.verdict.status).not.toBe('match');
    // held back by the noise, whichever rule names it: its misses stray past the moves, or nothing parted the rest
    expect(live.noise.reason).toMatch(
      /counts vary by about \d+ tokens? (between identical requests|around \S+ predictions)/,
    );
    expect(rescored.verdict.status).toBe(live.verdict.status);
    expect(rescored.noise.reason).toBe(live.noise.reason);
  });

  it('still stands for the indexed tokenizer behind the same hidden prompt', async () => {
    const { live } = await identify('sim:yi?vary=id&spread=2', '2', 'runs-indexed', sandbox.env);
    expect(live.verdict).toMatchObject({ status: 'match', reference: 'yi' });
  });
});
