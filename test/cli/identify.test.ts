import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine, runCli } from '../helpers/cli.js';

let root: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-identify-'));
  // The shared cache the global setup filled; a home of our own so no user index leaks in.
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOKPRINT_HOME: join(root, 'home'),
    TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
  };
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function runFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('tokprint identify', () => {
  it('with no target identifies the built-in house model as DeepSeek V3', async () => {
    const { code, stdout } = await runCli(['identify', '--out', join(root, 'default')], env, root);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^match: deepseek-v3, family deepseek-v3/m);
    expect(stdout).toMatch(/models known to use it: DeepSeek V3/);
  });

  it('--json prints exactly the documented shape and writes a run directory', async () => {
    const out = join(root, 'runs');
    const { code, stdout } = await runCli(
      ['identify', 'sim:gemma3?template=gemma&system=500', '--json', '--out', out],
      env,
      root,
    );
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(Object.keys(json).slice(0, 5)).toEqual(['verdict', 'candidates', 'queries', 'promptTokens', 'run']);
    expect(Object.keys(json.verdict)).toEqual(['status', 'reference', 'class', 'family', 'models', 'confidence']);
    expect(json.verdict).toMatchObject({ status: 'match', reference: 'gemma3', family: 'gemma3' });
    expect(json.verdict.class).toContain('gemma3');
    expect(json.verdict.confidence).toBeGreaterThanOrEqual(0.99);
    expect(json.verdict.confidence).toBeLessThanOrEqual(1);
    for (const candidate of json.candidates) {
      expect(typeof candidate.reference).toBe('string');
      expect(typeof candidate.family).toBe('string');
      expect(candidate.posterior).toBeGreaterThanOrEqual(0);
      expect(candidate.posterior).toBeLessThanOrEqual(1);
    }
    expect(Number.isInteger(json.queries) && Number.isInteger(json.promptTokens)).toBe(true);
    expect(json.run.startsWith(out)).toBe(true);
    expect(await runFiles(json.run)).toEqual(['config.json', 'observations.jsonl', 'transcript.jsonl', 'verdict.json']);
    expect(JSON.parse(await readFile(join(json.run, 'verdict.json'), 'utf8'))).toEqual(json);
  });

  it('writes every request to the transcript before its answer', async () => {
    const out = join(root, 'transcript');
    const { stdout } = await runCli(['identify', 'sim:qwen2.5', '--json', '--out', out], env, root);
    const json = JSON.parse(stdout);
    const record = (await readFile(join(json.run, 'transcript.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // the record opens with the config and closes with its digest; observations follow their answers
    expect(record[0].kind).toBe('config');
    expect(record.at(-1).kind).toBe('digest');
    const lines = record.filter((entry) => entry.kind === 'request' || entry.kind === 'response');
    expect(lines).toHaveLength(2 * json.queries);
    lines.forEach((entry, i) => {
      expect(entry.kind).toBe(i % 2 === 0 ? 'request' : 'response');
      expect(entry.seq).toBe(Math.floor(i / 2) + 1);
    });
    expect(lines[0].request.messages[0].content).toContain('Please reply with OK.');
    expect(json.promptTokens).toBe(
      lines.filter((l) => l.kind === 'response').reduce((s, l) => s + l.usage.promptTokens, 0),
    );
  });

  it('exits 1 inconclusive when the budget is too small, with the observations kept', async () => {
    const out = join(root, 'budget');
    const { code, stdout } = await runCli(
      ['identify', 'sim:yi', '--max-queries', '2', '--channels', 'usage', '--json', '--out', out],
      env,
      root,
    );
    expect(code).toBe(1);
    const json = JSON.parse(stdout);
    expect(json.verdict).toMatchObject({ status: 'inconclusive', reference: null, class: [], family: null });
    const observations = (await readFile(join(json.run, 'observations.jsonl'), 'utf8')).trim().split('\n');
    expect(observations).toHaveLength(2);
  });

  it.each([
    [['identify', 'ftp:somewhere'], /unknown target "ftp:somewhere"/],
    [['identify', 'sim:no-such-model'], /unknown reference "no-such-model"/],
    [['identify', 'sim:cl100k', '--max-queries', 'many'], /--max-queries must be a whole number/],
    [['identify', 'sim:cl100k?template=nope'], /unknown template "nope"/],
    [['identify', 'sim:cl100k', '--engine', 'gpu'], /--engine must be js or exact, not "gpu"/],
    [
      ['identify', 'sim:cl100k', '--engine', 'onnx'],
      /--engine onnx is no longer offered; --engine js scores the same way/,
    ],
  ])('refuses bad input %j with one line and exit 2', async (argv, message) => {
    const out = join(root, 'bad');
    const { code, stdout, stderr } = await runCli([...argv, '--out', out], env, root);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(isOneLine(stderr)).toBe(true);
    expect(stderr).toMatch(message);
  });

  it("--engine js scores the counts on the two-stage path and reach the exact path's verdict and ranking, on identify and rescore", async () => {
    const runs = await Promise.all(
      ['exact', 'js'].map(async (engine) => {
        const { code, stdout } = await runCli(
          [
            'identify',
            'sim:qwen2.5?template=chatml&system=800',
            '--json',
            '--channels',
            'usage',
            '--engine',
            engine,
            '--out',
            join(root, `engine-${engine}`),
          ],
          env,
          root,
        );
        expect(code).toBe(0);
        return JSON.parse(stdout);
      }),
    );
    const [exact, ...pruned] = runs;
    expect(exact.engine).toBe('exact');
    expect(exact.verdict).toMatchObject({ status: 'match', reference: 'qwen2.5' });
    for (const run of pruned) {
      expect(run.engine).toBe('js');
      expect(run.verdict.status).toBe(exact.verdict.status);
      expect(run.verdict.class).toEqual(exact.verdict.class);
      expect(run.verdict.confidence).toBeCloseTo(exact.verdict.confidence, 6);
      expect(run.queries).toBe(exact.queries);
      expect(run.candidates.map((c: { reference: string }) => c.reference)).toEqual(
        exact.candidates.map((c: { reference: string }) => c.reference),
      );
      // the run directory's verdict records the engine too
      expect(JSON.parse(await readFile(join(run.run, 'verdict.json'), 'utf8')).engine).toBe(run.engine);
    }

    // rescore takes the same flag, and its verdict says which path scored it
    for (const engine of ['js', 'exact']) {
      const again = await runCli(['rescore', exact.run, '--json', '--engine', engine], env, root);
      expect(again.code).toBe(0);
      const rescored = JSON.parse(again.stdout);
      expect(rescored.engine).toBe(engine);
      expect(rescored.verdict).toMatchObject({ status: exact.verdict.status, class: exact.verdict.class });
      expect(rescored.candidates.map((c: { reference: string }) => c.reference)).toEqual(
        exact.candidates.map((c: { reference: string }) => c.reference),
      );
    }
    const bad = await runCli(['rescore', exact.run, '--engine', 'gpu'], env, root);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(isOneLine(bad.stderr)).toBe(true);
    expect(bad.stderr).toMatch(/--engine must be js or exact, not "gpu"/);
  });
});
