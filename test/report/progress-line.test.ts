import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPINNER } from '../../src/report/progress-line.js';
import { percent } from '../../src/report/report-facts.js';
import { runCliIo } from './run-fixture.js';

let root: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-progress-'));
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOKPRINT_HOME: join(root, 'home'),
    TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
  };
});
afterAll(() => rm(root, { recursive: true, force: true }));

/**
 * The texts the progress line showed on stderr, each once: a spinner redraws the same text on a timer, so
 * how often a text is drawn depends on time, and only the sequence of texts is asserted.
 */
function frames(stderr: string): string[] {
  const texts = stderr
    .split('\r\u001b[2K')
    .filter(Boolean)
    .map((f) => {
      const frame = /^tokprint: (\S) (.*)$/s.exec(f);
      expect(SPINNER).toContain(frame?.[1]);
      return frame![2];
    });
  return texts.filter((t, i) => t !== texts[i - 1]);
}

/** The verdict of the run a (non-JSON) identify printed. */
function verdictOf(result: { stdout: string }) {
  const run = /^run: (.+)$/m.exec(result.stdout)![1];
  return JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8'));
}

describe('the progress line', () => {
  it('on a terminal: the index loading, then each request awaited and answered, the last with the leader the verdict names, then cleared', async () => {
    const result = await runCliIo(['identify', '--channels', 'usage', '--out', 'runs'], env, root, {
      stdout: false,
      stderr: true,
    });
    expect(result.code).toBe(0);
    const verdict = verdictOf(result);
    const shown = frames(result.stderr);
    expect(shown[0]).toBe('loading the reference index');
    const answered = shown.filter((f) => f.includes('prompt tokens'));
    expect(answered.map((f) => /^request (\d+)\/6,/.exec(f)?.[1])).toEqual(
      Array.from({ length: verdict.queries }, (_, i) => String(i + 1)),
    );
    // each answer is preceded by the wait for it
    for (const [i, f] of answered.entries())
      expect(shown[shown.indexOf(f) - 1]).toBe(`request ${i + 1}/6 sent, waiting for the answer`);
    expect(answered[0]).not.toMatch(/leader/);
    const [best] = verdict.candidates;
    expect(answered.at(-1)).toBe(
      `request ${verdict.queries}/6, ${verdict.promptTokens.toLocaleString('en-US')} prompt tokens, leader ${best.reference} ${percent(best.posterior)}`,
    );
    expect(result.stderr.endsWith('\r\u001b[2K')).toBe(true);
  });

  it('counts the checks of a small change among the requests, against the limit they lift', async () => {
    // a Yi pruned by 300 merges: the frame asked twice more and a stray asked again, past --max-queries
    const result = await runCliIo(
      ['identify', 'sim:yi?drop-merges=300', '--seed', '2', '--channels', 'usage', '--out', 'runs'],
      env,
      root,
      { stdout: false, stderr: true },
    );
    expect(result.code).toBe(0);
    const verdict = verdictOf(result);
    expect(verdict.queries).toBeGreaterThan(6);
    const answered = frames(result.stderr).filter((f) => f.includes('prompt tokens'));
    const last = /^request (\d+)\/(\d+),/.exec(answered.at(-1) ?? '');
    expect(Number(last?.[1])).toBe(verdict.queries);
    expect(Number(last?.[2])).toBeGreaterThanOrEqual(verdict.queries);
  });

  it('with --stream, names each reference tokenizer loaded for the answer channels, once each', async () => {
    const result = await runCliIo(['identify', '--stream', '--out', 'runs'], env, root, {
      stdout: false,
      stderr: true,
    });
    expect(result.code).toBe(0);
    const shown = frames(result.stderr);
    const loading = shown.flatMap(
      (f) => /^loading reference tokenizer (\S+) for the answer channels/.exec(f)?.[1] ?? [],
    );
    expect(loading.length).toBeGreaterThan(0);
    expect(new Set(loading).size).toBe(loading.length);
    expect(shown.some((f) => f.startsWith('request '))).toBe(true);
    expect(loading).toContain(verdictOf(result).candidates[0].reference);
  });

  it('with --quiet or --json, or when stderr is not a terminal, writes nothing there', async () => {
    const json = await runCliIo(['identify', '--channels', 'usage', '--json', '--out', 'runs'], env, root, {
      stdout: false,
      stderr: true,
    });
    expect([json.code, json.stderr]).toEqual([0, '']);
    const quiet = await runCliIo(['identify', '--channels', 'usage', '--quiet', '--out', 'runs'], env, root, {
      stdout: false,
      stderr: true,
    });
    const piped = await runCliIo(['identify', '--stream', '--out', 'runs'], env, root, {
      stdout: false,
      stderr: false,
    });
    expect([quiet.code, quiet.stderr, piped.code, piped.stderr]).toEqual([0, '', 0, '']);
  });
});
