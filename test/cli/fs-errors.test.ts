import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../src/references/tokenizer.js';
import { chatTemplate } from '../../src/targets/chat-templates.js';
import { isOneLine, makeSandbox, runCli, shareReferenceFiles, type Sandbox } from '../helpers/cli.js';
import { committedTokenizer } from '../helpers/manifest-references.js';
import { startOpenAiTestServer, type OpenAiTestServer } from '../helpers/openai-test-server.js';

const KEY = 'sk-test-fs-errors-0123456789';
let tokenizer: Tokenizer;
let sandbox: Sandbox;
let s: OpenAiTestServer;
const immutable: string[] = [];

/** chattr +i makes a directory unwritable even for root, where chmod does not; undefined where the file system has no such flag. */
function makeImmutable(dir: string): boolean {
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
    immutable.push(dir);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  tokenizer = await committedTokenizer('qwen2.5');
  sandbox = await makeSandbox({ OPENAI_API_KEY: KEY });
  await shareReferenceFiles(sandbox);
  s = await startOpenAiTestServer({ tokenizer, template: chatTemplate('chatml'), apiKey: KEY });
  writeFileSync(join(sandbox.root, 'a-file'), 'not a directory');
});
afterAll(async () => {
  for (const dir of immutable) execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
  await s?.close();
  await sandbox.remove();
});

/** identify against the loopback server: must stop with one line and exit 2 before the server hears anything. */
async function refusedBeforeSending(args: string[], env: NodeJS.ProcessEnv, says: RegExp) {
  const heard = s.received.length;
  const result = await runCli(['identify', `openai:${s.url}`, '--model', 'm', ...args], env, sandbox.root);
  expect(result.code).toBe(2);
  expect(isOneLine(result.stderr)).toBe(true);
  expect(result.stderr).toMatch(says);
  expect(s.received.length).toBe(heard);
}

describe('unwritable places are found before any request is sent', () => {
  it('--out is a regular file', () =>
    refusedBeforeSending(
      ['--out', 'a-file', '--no-cache'],
      sandbox.env,
      /--out .*a-file is not writable: a file is in the way \(EEXIST\)/,
    ));

  it('--out lies below a regular file', () =>
    refusedBeforeSending(['--out', 'a-file/runs', '--no-cache'], sandbox.env, /\(ENOTDIR\)/));

  it('the answer cache asked for (--cache) lies below a regular file', () =>
    refusedBeforeSending(
      ['--out', 'runs', '--cache', '1h'],
      { ...sandbox.env, TOKPRINT_CACHE: join(sandbox.root, 'a-file') },
      /the answer cache .*a-file\/http is not writable: .*\(ENOTDIR\)/,
    ));

  it('--out and the cache made immutable (chattr +i, which holds for root too)', async (context) => {
    const out = join(sandbox.root, 'read-only-out');
    const cache = join(sandbox.root, 'read-only-cache');
    mkdirSync(out);
    mkdirSync(cache);
    if (!makeImmutable(out) || !makeImmutable(cache)) return context.skip();
    await refusedBeforeSending(
      ['--out', out, '--no-cache'],
      sandbox.env,
      /--out .* is not writable: operation not permitted \(EPERM\)|permission denied \(EACCES\)/,
    );
    await refusedBeforeSending(
      ['--out', 'runs', '--cache', '1h'],
      { ...sandbox.env, TOKPRINT_CACHE: cache },
      /the answer cache .* is not writable/,
    );
  });

  it('with everything writable the same run goes ahead', async () => {
    const result = await runCli(
      ['identify', `openai:${s.url}`, '--model', 'm', '--out', 'runs', '--json', '--quiet'],
      sandbox.env,
      sandbox.root,
    );
    expect(result.stderr).toBe('');
    expect(s.billed()).toBe(JSON.parse(result.stdout).queries);
  });
});
