import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox, shareReferenceFiles } from '../helpers/cli.js';
import { envWithout } from '../helpers/index-without.js';

/**
 * Rescoring a run against the index it ran with reaches what the live run reached, field for field: under a hidden
 * prompt that varies, the nearest classes of a run held back by the noise (rescore once dropped them) and the
 * reason the run stopped (twins named at once under noise were rescored as stopped by the request limit).
 */
let sandbox: Sandbox;
let withoutYi: NodeJS.ProcessEnv;
let runs = 0;

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
  withoutYi = envWithout(sandbox, 'yi');
});
afterAll(() => sandbox?.remove());

async function liveAndRescored(target: string, out: string, env = sandbox.env, rescoreFlags: string[] = []) {
  const live = await runCli(
    ['identify', target, '--channels', 'usage', '--seed', '1', '--out', out, '--json'],
    env,
    sandbox.root,
  );
  expect(live.stderr).toBe('');
  const [run] = readdirSync(join(sandbox.root, out));
  const again = await runCli(['rescore', join(out, run), '--json', ...rescoreFlags], env, sandbox.root);
  expect(again.stderr).toBe('');
  return { live: JSON.parse(live.stdout), rescored: JSON.parse(again.stdout) };
}

const kept = ['verdict', 'stop', 'noise', 'queries', 'promptTokens', 'unknown'] as const;
const fields = (json: Record<string, unknown>) => Object.fromEntries(kept.map((k) => [k, json[k]]));

describe('rescore of a run through a hidden prompt that varies', () => {
  it.each([
    // every count within 8 tokens of yi's, the frame's first repeat billed alike: the checks that follow see the
    // counts move, live and on rescore
    ['sim:yi?vary=paragraph&spread=6', 'match', 'default index'],
    // Gemma 3 and 4 named together as soon as no request could part them through the noise
    ['sim:gemma3?vary=id&spread=2', 'match', 'default index'],
    // yi left out of the index: the counts fit nothing indexed through the noise
    ['sim:yi?vary=id&spread=2', 'inconclusive', 'without yi'],
    ['sim:yi?vary=paragraph&spread=5', 'inconclusive', 'without yi'],
  ])('%s (%s, %s) keeps the verdict, its nearest classes, the stop and the noise', async (target, status, index) => {
    const env = index === 'without yi' ? withoutYi : sandbox.env;
    const { live, rescored } = await liveAndRescored(target, `runs-${++runs}`, env);
    expect(live.verdict.status).toBe(status);
    if (status === 'inconclusive') expect(live.verdict.nearest?.length).toBeGreaterThan(0);
    else expect(live.stop).toBe('confident');
    expect(fields(rescored)).toEqual(fields(live));
  });
});

describe('rescore through the two-stage scorer', () => {
  it('reads counts that moved through their moves, as the live run did, whatever path it is asked to take', async () => {
    const { live, rescored } = await liveAndRescored(
      'sim:qwen2.5?vary=paragraph&spread=5',
      `runs-${++runs}`,
      undefined,
      ['--engine', 'js'],
    );
    expect(live.noise.spread).toBeGreaterThan(0);
    expect(rescored.verdict).toEqual(live.verdict);
    expect(rescored.unknown).toBe(live.unknown);
  });
});
