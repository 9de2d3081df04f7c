import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplate } from '../../src/targets/chat-templates.js';
import { makeSandbox, runCli, type Sandbox, shareReferenceFiles } from '../helpers/cli.js';
import { committedTokenizer } from '../helpers/manifest-references.js';
import { type OpenAiTestServer, startOpenAiTestServer } from '../helpers/openai-test-server.js';

/**
 * A target id that names only a model (`openai:chat:house`) takes its server from `OPENAI_BASE_URL` (or an audit's
 * apiBaseUrl). The record keeps that server, so a resume and the report's command to run it again ask the same one,
 * whatever the variable says later: another value would mix two servers in one record, or send the key elsewhere.
 */
const KEY = 'sk-test-model-id-server-0123';
let sandbox: Sandbox;
let first: OpenAiTestServer;
let other: OpenAiTestServer;

beforeAll(async () => {
  sandbox = await makeSandbox({ OPENAI_API_KEY: KEY });
  await shareReferenceFiles(sandbox);
  // the run's own server fails its third answer once, so the run stops and is resumed
  first = await startOpenAiTestServer({
    tokenizer: await committedTokenizer('llama3'),
    template: chatTemplate('chatml'),
    apiKey: KEY,
    fault: (n) => (n === 3 ? { kind: 'server-error' } : undefined),
  });
  other = await startOpenAiTestServer({
    tokenizer: await committedTokenizer('qwen2.5'),
    template: chatTemplate('chatml'),
    apiKey: KEY,
  });
});
afterAll(async () => {
  await first?.close();
  await other?.close();
  await sandbox.remove();
});

describe('a model id’s server from OPENAI_BASE_URL', () => {
  it('is recorded; a resume with the variable now naming another server still asks the recorded one', async () => {
    const flags = ['--channels', 'usage', '--retries', '0', '--no-detect-tokenize', '--out', 'runs'];
    const stopped = await runCli(
      ['identify', 'openai:chat:house', ...flags],
      { ...sandbox.env, OPENAI_BASE_URL: first.url },
      sandbox.root,
    );
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toMatch(/--resume/);
    const [name] = await readdir(join(sandbox.root, 'runs'));
    const run = join(sandbox.root, 'runs', name as string);
    const config = JSON.parse(await readFile(join(run, 'config.json'), 'utf8'));
    expect(config.server).toEqual({ variable: 'OPENAI_BASE_URL', url: first.url });

    const heardBefore = first.received.length;
    const resumed = await runCli(
      ['identify', '--resume', run, '--json'],
      { ...sandbox.env, OPENAI_BASE_URL: other.url },
      sandbox.root,
    );
    expect(resumed.code).toBe(0);
    expect(other.received).toHaveLength(0);
    expect(first.received.length).toBeGreaterThan(heardBefore);
    expect(JSON.parse(resumed.stdout).verdict.family).toBe('llama3');

    const report = await runCli(['report', run, '--format', 'md'], sandbox.env, sandbox.root);
    expect(report.code).toBe(0);
    const md = report.stdout;
    expect(md).toContain(`OPENAI_BASE_URL=${first.url} tokprint identify openai:chat:house`);
    expect(md).not.toContain(KEY);
  });

  it('the API’s own server is recorded too when the variable is unset', async () => {
    // a key is given and the default server is not reachable from here: the run stops at its first request
    const result = await runCli(
      [
        'identify',
        'openai:gpt-4o',
        '--channels',
        'usage',
        '--retries',
        '0',
        '--timeout',
        '1',
        '--no-detect-tokenize',
        '--out',
        'default',
      ],
      { ...sandbox.env, OPENAI_BASE_URL: '', HTTPS_PROXY: 'http://127.0.0.1:9' },
      sandbox.root,
    );
    expect(result.code).toBe(3);
    const [name] = await readdir(join(sandbox.root, 'default'));
    const config = JSON.parse(await readFile(join(sandbox.root, 'default', name as string, 'config.json'), 'utf8'));
    expect(config.server).toEqual({ variable: 'OPENAI_BASE_URL', url: 'https://api.openai.com/v1' });
  });
});
