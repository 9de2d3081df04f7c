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
