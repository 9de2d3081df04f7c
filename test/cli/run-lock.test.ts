import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../src/references/tokenizer.js';
import { chatTemplate } from '../../src/targets/chat-templates.js';
import {
  isOneLine,
  makeSandbox,
  runCli,
  shareReferenceFiles,
  type Sandbox,
  withoutChannelsLine,
} from '../helpers/cli.js';
import { committedTokenizer } from '../helpers/manifest-references.js';
import { startOpenAiTestServer, type OpenAiTestServer } from '../helpers/openai-test-server.js';
import { spawnCli } from '../helpers/spawn-cli.js';

const KEY = 'sk-test-run-lock-0123456789';
let tokenizer: Tokenizer;
let sandbox: Sandbox;
const servers: OpenAiTestServer[] = [];

beforeAll(async () => {
  tokenizer = await committedTokenizer('qwen2.5');
  sandbox = await makeSandbox({ OPENAI_API_KEY: KEY });
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sandbox.remove();
});

async function server(delayMs: number) {
  const s = await startOpenAiTestServer({ tokenizer, template: chatTemplate('chatml'), apiKey: KEY, delayMs });
  servers.push(s);
  return s;
}

const entriesOf = (run: string): Record<string, any>[] =>
  readFileSync(join(run, 'transcript.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** Starts a run in its own process and waits until the transcript holds `answers` answers. */
async function runUntil(url: string, out: string, answers: number) {
  const run = spawnCli(['identify', `openai:${url}`, '--model', 'm', '--json', '--out', out, '--no-cache'], {
    cwd: sandbox.root,
    env: sandbox.env,
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const root = join(sandbox.root, out);
    const [name] = existsSync(root) ? await readdir(root) : [];
    const dir = name && join(root, name);
    const answered =
      dir && existsSync(join(dir, 'transcript.jsonl')) ? entriesOf(dir).filter((e) => e.kind === 'response').length : 0;
    if (dir && answered >= answers) return { ...run, dir };
    if (Date.now() > deadline) throw new Error(`the run did not get ${answers} answers in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function expectOneProcessWrote(run: string) {
  const entries = entriesOf(run);
  const answered = entries.filter((e) => e.kind === 'response').map((e) => e.seq);
  expect(new Set(answered).size).toBe(answered.length);
  expect(entries.filter((e) => e.kind === 'digest').length).toBe(1);
  expect(entries.at(-1)!.kind).toBe('digest');
}

const BUSY = /is in use by another tokprint process|is a finished run/;

describe('a run directory is held by one process at a time', () => {
  it('two resumes of a SIGKILLed run at once: the stale lock is taken over by one, the other exits 2 in one line; nothing is answered twice', async () => {
    const s = await server(300);
    const started = await runUntil(s.url, 'killed', 2);
    started.child.kill('SIGKILL');
    await started.done;
    expect(existsSync(join(started.dir, 'verdict.json'))).toBe(false);

    const [a, b] = await Promise.all(
      [0, 1].map(
        () => spawnCli(['identify', '--resume', started.dir, '--json'], { cwd: sandbox.root, env: sandbox.env }).done,
      ),
    );
    const [won, refused] = a.code === 0 ? [a, b] : [b, a];
    expect(won.code).toBe(0);
    expect(withoutChannelsLine(won.stderr)).toBe('');
    expect(refused.code).toBe(2);
    expect(isOneLine(refused.stderr)).toBe(true);
    expect(refused.stderr).toMatch(BUSY);
    const verdict = JSON.parse(won.stdout);
    expectOneProcessWrote(started.dir);
    expect(s.billed()).toBe(verdict.queries);
    expect(new Set(s.billedBodies()).size).toBe(s.billed());
    // the run is whole: report and rescore take it
    expect((await runCli(['report', started.dir], sandbox.env, sandbox.root)).code).toBe(0);
    expect((await runCli(['rescore', started.dir, '--json'], sandbox.env, sandbox.root)).stderr).toBe('');
  });

  it('a resume while the run itself still goes: exit 2 in one line, nothing sent; the run finishes alone', async () => {
    const s = await server(2500);
    const started = await runUntil(s.url, 'running', 1);
    const resume = await spawnCli(['identify', '--resume', started.dir, '--json'], {
      cwd: sandbox.root,
      env: sandbox.env,
    }).done;
    expect(resume.code).toBe(2);
    expect(isOneLine(resume.stderr)).toBe(true);
    expect(resume.stderr).toMatch(BUSY);
    const original = await started.done;
    expect(original.code).toBe(0);
    expectOneProcessWrote(started.dir);
    expect(s.billed()).toBe(JSON.parse(original.stdout).queries);
  });
});
