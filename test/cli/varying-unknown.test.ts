import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lackingTolerated } from '../../src/scoring/channels/logprob-channel.js';
import { shareReferenceFiles, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await sandbox.remove();
});

async function identify(target: string, out: string, extra: string[]) {
  const result = await runCli(
    ['identify', target, '--max-queries', '8', '--out', out, '--json', ...extra],
    sandbox.env,
    sandbox.root,
  );
  return { code: result.code, stderr: result.stderr, json: JSON.parse(result.stdout) };
}

describe('a hidden paragraph whose length varies by hundreds of tokens per request', () => {
  it.each([
    [400, 1],
    [400, 2],
    [400, 3],
    [1000, 1],
  ])('spread %i (seed %i): never a confident unknown, but inconclusive with the spread named', async (spread, seed) => {
    const out = `runs-${spread}-${seed}`;
    const { code, stderr, json } = await identify(`sim:llama3?vary=paragraph&spread=${spread}`, out, [
      '--channels',
      'usage',
      '--seed',
      String(seed),
    ]);
    expect(stderr).toBe('');
    expect(json.verdict.status).toBe('inconclusive');
    expect(code).toBe(1);
    // the frame was asked again until its moves showed, and the spread named is theirs, not a token or two
    expect(json.noise.repeats).toBeGreaterThanOrEqual(2);
    const named = /counts vary by about (\d+) tokens between identical requests/.exec(json.noise.reason);
    expect(Number(named?.[1])).toBeGreaterThanOrEqual(100);
    // scored again from the record: the same status and the same reason
    const [run] = await readdir(join(sandbox.root, out));
    const again = await runCli(['rescore', join(out, run), '--json'], sandbox.env, sandbox.root);
    expect(again.stderr).toBe('');
    const rescored = JSON.parse(again.stdout);
    expect(rescored.verdict.status).toBe('inconclusive');
    expect(rescored.noise.reason).toBe(json.noise.reason);
  });

  it('with the answers read too, the counts are called unstable after a repeat, never impossible without one', async () => {
    const { stderr, json } = await identify('sim:llama3?vary=paragraph&spread=400', 'runs-default', ['--seed', '1']);
    // the one line naming the channels found, nothing else
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^tokprint: the target gives billed token counts/),
    ]);
    expect(json.noise.repeats).toBeGreaterThanOrEqual(1);
    expect(json.verdict.flags).not.toContain('usage-count-impossible');
    expect(json.verdict.flags).toContain('usage-count-unstable');
    // and the spread named is how far the frame's counts lay apart, not the small spread a jump is read on
    expect(json.channels.consistency.trusted.reason).toMatch(/counts vary by about \d{3,} tokens between identical/);
    expect(json.verdict.family).toBe('llama3');
  });
});

/**
 * A copy of Mistral v0.1 extended by 10,000 tokens of DeepSeek V3, behind notes that move its counts by about 5 tokens:
 * the counts are set aside and the answers' tokens decide. No indexed vocabulary holds them all, and the one lacking
 * the fewest (Gemma 3, 262k entries) lacked 20-44 of 449-696. It was named an unchanged Gemma 3 at >99.9%.
 */
describe('answers whose tokens no indexed vocabulary holds, read without counts', () => {
  it.each([3, 4, 5])('name no indexed vocabulary unchanged (seed %i)', async (seed) => {
    const result = await runCli(
      [
        'identify',
        `sim:mistral-v1?vary=paragraph&spread=5&seed=${seed}&system=300&add=10000&donor=deepseek-v3`,
        '--seed',
        String(seed),
        '--json',
      ],
      sandbox.env,
      sandbox.root,
    );
    const json = JSON.parse(result.stdout);
    const note: string = json.channels.channels.find((c: { name: string }) => c.name === 'logprobs').note;
    const [, seen, lacks] = /^(\d+) distinct logprob tokens.*the best group lacks (\d+)/.exec(note)!.map(Number);
    expect(lacks).toBeGreaterThan(lackingTolerated(seen));
    expect(json.verdict.status).not.toBe('match');
    expect(json.verdict.family).not.toBe('gemma3');
  });
});
