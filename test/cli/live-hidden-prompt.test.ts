import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareReferenceFiles, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { startLivePromptServer, type LivePromptServer } from '../helpers/live-prompt-openai-server.js';
import { committedEntry, committedTokenizer } from '../helpers/manifest-references.js';

let sandbox: Sandbox;
const servers: LivePromptServer[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sandbox.remove();
});

/** A clock that starts at a fixed instant and moves 1-40 seconds per request, so each run bills the same. */
function steppingClock(start: number): () => Date {
  let t = start;
  let step = 7;
  return () => {
    step = (step * 17 + 3) % 40;
    t += (1 + step) * 1000;
    return new Date(t);
  };
}

/** `tokprint identify` against a live-prompt server, its counts read alone, as JSON; `out` keeps the run's record. */
function identifyLive(url: string, seed: number, out?: string) {
  return runCli(
    [
      'identify',
      `openai:${url}`,
      '--model',
      'aurora',
      '--no-detect-tokenize',
      '--retries',
      '0',
      '--channels',
      'usage',
      ...(out ? ['--out', out] : []),
      '--seed',
      String(seed),
      '--json',
    ],
    sandbox.env,
    sandbox.root,
  );
}

describe('a hidden prompt that ends with the time to the second and a random request id', () => {
  it.each([
    ['deepseek-v3', 11],
    ['llama3', 12],
    ['yi', 13],
    ['internlm2', 14],
    // the frame's first repeat billed alike and every count a few tokens off: read as a change, or a match not yet
    // sure, until the largest stray and the frame, asked again, show the counts move
    ['internlm2', 103],
    ['deepseek-v3', 110],
    ['yi', 112],
  ])('%s (seed %i) is named with its family and as unchanged, the spread measured', async (id, seed) => {
    const server = await startLivePromptServer({
      tokenizer: await committedTokenizer(id),
      seed,
      now: steppingClock(Date.UTC(2026, 5, 1, 9, 59, 50)),
    });
    servers.push(server);
    const result = await identifyLive(server.url, seed, `runs-${id}-${seed}`);
    expect(result.stderr).toBe('');
    const json = JSON.parse(result.stdout);
    // the counts did move between identical requests, and the run says by how much
    expect(new Set(server.hiddenPrompts).size).toBe(server.hiddenPrompts.length);
    expect(json.noise.spread).toBeGreaterThan(0);
    expect(json.noise.repeats).toBeGreaterThan(0);
    expect(json.verdict.status).toBe('match');
    expect(json.verdict.family).toBe(committedEntry(id).family);
    expect(json.verdict.class).toContain(id);
    expect(result.code).toBe(0);
    // scored again from the record, the counts are read through the same moves: the same verdict and spread
    const [run] = await readdir(join(sandbox.root, `runs-${id}-${seed}`));
    const again = await runCli(['rescore', join(`runs-${id}-${seed}`, run), '--json'], sandbox.env, sandbox.root);
    expect(again.stderr).toBe('');
    const rescored = JSON.parse(again.stdout);
    expect(rescored.verdict).toMatchObject({ status: 'match', reference: json.verdict.reference });
    expect(rescored.noise).toMatchObject({ spread: json.noise.spread, repeats: json.noise.repeats });
  });
});

describe('a hidden prompt that now and then carries a retrieved memory as well', () => {
  it('a memory on the bare frame (a longer request then billed fewer tokens) is read as a jump, not an impossible count', async () => {
    const server = await startLivePromptServer({
      tokenizer: await committedTokenizer('deepseek-v3'),
      seed: 21,
      now: steppingClock(Date.UTC(2026, 5, 1, 9, 59, 50)),
      memoryOn: [1],
    });
    servers.push(server);
    const result = await identifyLive(server.url, 21, 'runs');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(server.hiddenPrompts[0]).toMatch(/Remembered about this user/);
    expect(json.noise.repeats).toBeGreaterThan(0);
    expect(json.verdict.family).toBe(committedEntry('deepseek-v3').family);
    expect(json.verdict.status).toBe('match');
  });

  it.each([
    ['llama3', 1],
    ['internlm2', 1],
    ['deepseek-v3', 3],
  ])(
    'memories on two requests of a hidden prompt that otherwise never changes are never read as a change (%s, %i visits)',
    async (id, visits) => {
      // the frame asked again comes back alike; the memories land on a pack and on the edge check
      const server = await startLivePromptServer({
        tokenizer: await committedTokenizer(id),
        seed: 5,
        memoryOn: [2, 4],
        memoryVisits: visits,
        stamped: false,
      });
      servers.push(server);
      const result = await identifyLive(server.url, 5);
      expect(result.stderr).toBe('');
      const json = JSON.parse(result.stdout);
      expect(server.hiddenPrompts[3]).toMatch(/Remembered about this user/);
      expect(['match', 'inconclusive']).toContain(json.verdict.status);
      if (json.verdict.status === 'match') expect(json.verdict.family).toBe(committedEntry(id).family);
      // the request that strayed was asked again, and billed otherwise
      expect(json.noise.packChecks).toBeGreaterThanOrEqual(1);
    },
  );
});
