import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox, shareReferenceFiles } from '../helpers/cli.js';

/**
 * A simulated Llama 3 chat API whose hidden paragraph varies by about 300 tokens per request: its second count
 * is billed fewer tokens than the bare frame for 896 more characters; the bare frame, asked again, is billed
 * differently, so the live run sets the billed counts aside (usage-count-unstable, not impossible: identical
 * requests were not billed alike) and rests on the streamed chunks and logprob tokens. The record keeps 0 for the counts
 * it did not read; rescore must not read those zeros as counts.
 */
const TARGET = 'sim:llama3?vary=paragraph&spread=300';

let sandbox: Sandbox;
let dir: string;
let live: any;

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
  const out = join(sandbox.root, 'runs');
  const run = await runCli(
    ['identify', TARGET, '--max-queries', '3', '--report', 'all', '--out', out, '--quiet'],
    sandbox.env,
    sandbox.root,
  );
  expect(run.code).toBe(0);
  dir = join(out, readdirSync(out)[0]);
  live = JSON.parse(readFileSync(join(dir, 'verdict.json'), 'utf8'));
}, 120_000);
afterAll(() => sandbox.remove());

/** Every prompt count the transcript records the target billing, once per request. */
function billedInTranscript(): number {
  const seen = new Set<number>();
  let sum = 0;
  for (const line of readFileSync(join(dir, 'transcript.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line);
    if (entry.kind === 'response' && !seen.has(entry.seq)) {
      seen.add(entry.seq);
      sum += entry.usage.promptTokens;
    }
  }
  return sum;
}

describe('a run whose billed counts were set aside as unstable', () => {
  it('rescores to the live verdict and its flag', async () => {
    // a paragraph varying by about 20 tokens: the frame asked again is billed differently while the streamed
    // tokens are read, so the live run sets the counts aside as unstable
    const out = join(sandbox.root, 'unstable');
    const run = await runCli(
      ['identify', 'sim:llama3?vary=paragraph&spread=20', '--max-queries', '4', '--out', out, '--quiet'],
      sandbox.env,
      sandbox.root,
    );
    expect(run.code).toBe(0);
    const unstable = join(out, readdirSync(out)[0]);
    const recorded = JSON.parse(readFileSync(join(unstable, 'verdict.json'), 'utf8'));
    expect(recorded.verdict.flags).toEqual(['usage-count-unstable']);
    const again = JSON.parse((await runCli(['rescore', unstable, '--json'], sandbox.env, sandbox.root)).stdout);
    expect(again.verdict.status).toBe(recorded.verdict.status);
    expect(again.verdict.reference).toBe(recorded.verdict.reference);
    expect(again.verdict.flags).toEqual(recorded.verdict.flags);
    expect(again.promptTokens).toBe(recorded.promptTokens);
  }, 120_000);
});

describe('a run whose billed counts were set aside', () => {
  it('rescores to the live verdict, its flag and its status', async () => {
    expect(live.verdict.flags).toContain('usage-count-unstable');
    expect(live.verdict.flags).not.toContain('usage-count-impossible');
    const rescored = await runCli(['rescore', dir, '--json'], sandbox.env, sandbox.root);
    expect(rescored.stderr).toBe('');
    const again = JSON.parse(rescored.stdout);
    expect(again.verdict.status).toBe(live.verdict.status);
    expect(again.verdict.reference).toBe(live.verdict.reference);
    expect(again.verdict.flags).toEqual(live.verdict.flags);
    expect(again.verdict.change).toBeUndefined();
    expect(again.channels.consistency.trusted.reason).toBe(live.channels.consistency.trusted.reason);
    const text = await runCli(['rescore', dir], sandbox.env, sandbox.root);
    expect(text.stdout).toMatch(new RegExp(`^${live.verdict.status}: ${live.verdict.reference}`, 'm'));
  }, 120_000);

  it('shows one spend, what the target billed for every answer, in the verdict, the rescore and every report', async () => {
    const billed = billedInTranscript();
    // the counts set aside were billed all the same: more than the bare frame alone
    const frame = JSON.parse(readFileSync(join(dir, 'observations.jsonl'), 'utf8').split('\n')[0]);
    expect(billed).toBeGreaterThan(frame.promptTokens);
    expect(live.promptTokens).toBe(billed);
    const rescored = JSON.parse((await runCli(['rescore', dir, '--json'], sandbox.env, sandbox.root)).stdout);
    expect(rescored.promptTokens).toBe(billed);
    const shown = billed.toLocaleString('en-US');
    const report = (name: string) => readFileSync(join(dir, name), 'utf8');
    expect(JSON.parse(report('report.json')).spent.promptTokens).toBe(billed);
    expect(report('report.md')).toContain(`${shown} prompt tokens`);
    expect(report('report.html')).toContain(`<b>${shown}</b><span>prompt tokens spent</span>`);
    const cdx = JSON.parse(report('report.cdx.json'));
    const properties = JSON.stringify(cdx);
    expect(properties).toContain(`"name":"tokprint:run.prompt-tokens","value":"${billed}"`);
    expect(report('report.junit.xml')).toContain(`${billed} prompt tokens`);
    const text = await runCli(['report', dir, '--format', 'text'], sandbox.env, sandbox.root);
    expect(text.stdout).toContain(`${shown} prompt tokens`);
  }, 120_000);
});
