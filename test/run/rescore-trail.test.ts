import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

let sandbox: Sandbox;
let run: string;

beforeAll(async () => {
  sandbox = await makeSandbox();
  // a modified vocabulary: the run goes past the opening packs, so its trail is long enough to compare
  const result = await runCli(
    ['identify', 'sim:llama3?add=3000&donor=qwen2.5', '--channels', 'usage', '--out', 'runs', '--json', '--quiet'],
    sandbox.env,
    sandbox.root,
  );
  expect(result.code).toBe(0);
  run = JSON.parse(result.stdout).run;
});
afterAll(() => sandbox.remove());

const requestsSent = (dir: string) =>
  readFileSync(join(dir, 'transcript.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line && JSON.parse(line).kind === 'request').length;

const circlesPerSeries = (html: string) =>
  [...html.matchAll(/<g class="series[^"]*"[^>]*>(.*?)<\/g>/g)].map((m) => (m[1].match(/<circle /g) ?? []).length);

describe('the posterior trail', () => {
  it('is recorded against requests sent, and a rescore records the same trail, so its HTML draws the same chart', async () => {
    const recorded = JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8'));
    expect(recorded.verdict.status).toBe('derived');
    const xs = recorded.trail.map((p: { requests: number }) => p.requests);
    expect(xs.length).toBeGreaterThan(3);
    expect(xs.at(-1)).toBe(requestsSent(run));
    // the frame was sent again to check the counts: a request sent that answered no new observation, still counted
    const observations = readFileSync(join(run, 'observations.jsonl'), 'utf8').trim().split('\n').length;
    expect(observations).toBeLessThan(requestsSent(run));
    expect(xs).toEqual(xs.map((_: number, i: number) => i + 1));
    // one confidence: the headline's is the named class's share among the candidates
    expect(recorded.verdict.confidence).toBe(recorded.candidates[0].posterior);

    const liveHtml = (await runCli(['report', run, '--format', 'html'], sandbox.env, sandbox.root)).stdout;
    const rescored = await runCli(['rescore', run, '--json'], sandbox.env, sandbox.root);
    expect(rescored.code).toBe(0);
    const verdict = JSON.parse(rescored.stdout);
    expect(verdict.trail).toEqual(recorded.trail);
    expect(verdict.verdict).toEqual(recorded.verdict);

    // the rescored verdict in place of the live one: the report draws the trail, not the fallback bars
    writeFileSync(join(run, 'verdict.json'), rescored.stdout);
    const html = (await runCli(['report', run, '--format', 'html'], sandbox.env, sandbox.root)).stdout;
    expect(html).toMatch(/<svg class="trail-chart"/);
    expect(html).not.toMatch(/<svg class="posterior-chart"/);
    expect(html).toMatch(/>requests sent<\/text>/);
    expect(circlesPerSeries(html)).toEqual(circlesPerSeries(liveHtml));
    expect(circlesPerSeries(html)[0]).toBe(xs.length);
  });
});

describe('rescore of a run that read the answers too', () => {
  it('counts the frame checks as the live run did, so a change it claimed after asking the frame again stands', async () => {
    // default channels: usage, stream and logprobs; the change is small in the counts, so the live run asked the
    // bare frame twice more before it claimed it
    const live = await runCli(
      ['identify', 'sim:llama3?add=3000&donor=qwen2.5', '--out', 'runs-all', '--json', '--quiet'],
      sandbox.env,
      sandbox.root,
    );
    expect(live.code).toBe(0);
    const recorded = JSON.parse(live.stdout);
    expect(recorded.verdict.status).toBe('derived');
    const rescored = await runCli(['rescore', recorded.run, '--json'], sandbox.env, sandbox.root);
    expect(rescored.code).toBe(0);
    const verdict = JSON.parse(rescored.stdout);
    expect(verdict.verdict.status).toBe('derived');
    expect(verdict.verdict.class).toEqual(recorded.verdict.class);
    expect(verdict.queries).toBe(recorded.queries);
  });
});
