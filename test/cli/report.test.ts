import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine } from '../helpers/cli.js';
import { runCliIo, type CliRun } from '../report/run-fixture.js';

const ANSI = /\u001b\[/;
let root: string;
let env: NodeJS.ProcessEnv;
let loud: CliRun;
let quiet: CliRun;
const tty = { stdout: true, stderr: true };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tokprint-report-cli-'));
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOKPRINT_HOME: join(root, 'home'),
    TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
  };
  loud = await runCliIo(
    ['identify', '--channels', 'usage', '--out', join(root, 'loud'), '--report', 'html,cyclonedx'],
    env,
    root,
    tty,
  );
  quiet = await runCliIo(
    ['identify', '--channels', 'usage', '--json', '--quiet', '--out', join(root, 'quiet'), '--report', 'junit'],
    env,
    root,
    tty,
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const runOf = (result: CliRun) =>
  /^run: (.+)$/m.exec(result.stdout.replace(/\u001b\[[0-9;]*m/g, ''))?.[1] ?? JSON.parse(result.stdout).run;

describe('identify --report, progress and colour', () => {
  it('writes the asked-for reports beside the verdict and says where', () => {
    expect(loud.code).toBe(0);
    const run = runOf(loud);
    expect(
      readdirSync(run)
        .filter((f) => f.startsWith('report.'))
        .sort(),
    ).toEqual(['report.cdx.json', 'report.html']);
    expect(loud.stderr).toContain(`tokprint: wrote ${join(run, 'report.html')}\n`);
  });

  it('draws a progress line on a terminal stderr: requests against the budget, tokens, the leader; cleared at the end', () => {
    expect(loud.stderr).toMatch(/^\r\u001b\[2Ktokprint: \S loading the reference index\r/);
    expect(loud.stderr).toMatch(/\r\u001b\[2Ktokprint: \S request 1\/6 sent, waiting for the answer\r/);
    expect(loud.stderr).toMatch(/\r\u001b\[2Ktokprint: \S request 1\/6, 344 prompt tokens\r/);
    expect(loud.stderr).toMatch(/request 3\/6, [\d,]+ prompt tokens, leader deepseek-v3 >99\.9%/);
    expect(loud.stderr).toMatch(/\r\u001b\[2K(tokprint: wrote|$)/);
  });

  it('colours the summary on a terminal', () => {
    expect(loud.stdout).toMatch(ANSI);
    expect(loud.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(
      /^match: deepseek-v3, family deepseek-v3, confidence >99\.9%$/m,
    );
  });

  it('FORCE_COLOR colours where no terminal is seen, FORCE_COLOR=0 turns colour off on one, and NO_COLOR wins over both', async () => {
    const run = runOf(loud);
    const report = (extra: NodeJS.ProcessEnv, isTTY?: typeof tty) =>
      runCliIo(['report', run], { ...env, ...extra }, root, isTTY);
    const plain = await report({});
    expect(plain.stdout).not.toMatch(ANSI);
    expect((await report({ FORCE_COLOR: '1' })).stdout).toMatch(ANSI);
    expect((await report({ FORCE_COLOR: '0' }, tty)).stdout).not.toMatch(ANSI);
    expect((await report({ FORCE_COLOR: '1', NO_COLOR: '1' }, tty)).stdout).not.toMatch(ANSI);
    expect((await report({ FORCE_COLOR: '1' })).stdout.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain.stdout);
  });

  it('--quiet: no progress line and no notes, even on a terminal; --json stays plain', () => {
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).not.toMatch(ANSI);
    expect(existsSync(join(JSON.parse(quiet.stdout).run, 'report.junit.xml'))).toBe(true);
  });

  it('refuses an unknown report format before sending anything', async () => {
    const out = join(root, 'refused');
    const result = await runCliIo(['identify', '--out', out, '--report', 'html,pdf'], env, root);
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(/unknown report format "pdf" \(expected html, md, json, cyclonedx, junit or all\)/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('tokprint report', () => {
  it('prints the compact table by default, plain when stdout is not a terminal', async () => {
    const result = await runCliIo(['report', runOf(loud)], env, root);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(ANSI);
    expect(result.stdout).toMatch(/^match: deepseek-v3, family deepseek-v3/m);
    expect(result.stdout).toMatch(/^ {2}reference +family +prob\. +packs matched$/m);
    expect(result.stdout).toMatch(/^ {2}deepseek-v3 +deepseek-v3 +>99\.9% +(\d)\/\1 ✓+$/m);
  });

  it('never colours with NO_COLOR set, even on a terminal', async () => {
    const result = await runCliIo(['report', runOf(loud)], { ...env, NO_COLOR: '1' }, root, tty);
    expect(result.stdout).not.toMatch(ANSI);
  });

  it('--format X --output FILE writes the file and prints nothing', async () => {
    const file = join(root, 'out.md');
    const result = await runCliIo(['report', runOf(loud), '--format', 'md', '--output', file], env, root);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(file, 'utf8')).toMatch(/^# Tokenizer lineage: /);
  });

  it('--format junit: one testcase that passes when the run reached a verdict', async () => {
    const result = await runCliIo(['report', runOf(loud), '--format', 'junit'], env, root);
    expect(result.stdout).toMatch(/<testsuite name="tokprint identify" tests="1" failures="0"/);
    expect(result.stdout.match(/<testcase /g)).toHaveLength(1);
    expect(result.stdout).not.toContain('<failure');
  });

  it('--format json and cyclonedx print the same files identify wrote', async () => {
    const run = runOf(loud);
    const bom = await runCliIo(['report', run, '--format', 'cyclonedx'], env, root);
    expect(bom.stdout).toBe(readFileSync(join(run, 'report.cdx.json'), 'utf8'));
    const json = await runCliIo(['report', run, '--format', 'json'], env, root);
    expect(JSON.parse(json.stdout).verdict.reference).toBe('deepseek-v3');
  });

  it.each([
    [['report', '.', '--format', 'pdf'], /unknown report format "pdf"/],
    [['report', '.'], /cannot report on .*: it is not a tokprint run directory/],
    [['report', '.', '--format', 'html,md'], /--format takes one format/],
  ])('refuses %j with one line and exit 2', async (argv, message) => {
    const result = await runCliIo(argv, env, root);
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(message);
  });
});
