import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import { isOneLine, makeSandbox, runCli, type Sandbox, shareReferenceFiles } from '../../helpers/cli.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startOpenAiTestServer, type OpenAiTestServer } from '../../helpers/openai-test-server.js';

/**
 * The providers' own APIs answer nothing without a key: a provider id at its default server with the key's
 * variable unset is a config error, told before anything is sent. Every request a run would send to the
 * provider goes through HTTPS_PROXY, a loopback proxy that records each tunnel asked for and opens none.
 */
let sandbox: Sandbox;
let proxy: Server;
let local: OpenAiTestServer;
const tunnels: string[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
  proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, socket) => {
    tunnels.push(req.url ?? '');
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  // a server of one's own (a local vLLM or llama.cpp) that takes no key
  local = await startOpenAiTestServer({
    tokenizer: await committedTokenizer('qwen2.5'),
    template: chatTemplate('chatml'),
  });
});
afterAll(async () => {
  await Promise.all([local.close(), new Promise((resolve) => proxy.close(resolve))]);
  await sandbox.remove();
});

const proxied = () => ({ ...sandbox.env, HTTPS_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });

describe('a provider id at the provider’s own server without its key', () => {
  it.each([
    ['openai:gpt-4o', 'OPENAI_API_KEY', 'https://api.openai.com'],
    ['openai:chat:gpt-4o-mini', 'OPENAI_API_KEY', 'https://api.openai.com'],
    ['anthropic:claude-sonnet-4-5', 'ANTHROPIC_API_KEY', 'https://api.anthropic.com'],
    ['gemini:gemini-2.5-flash', 'GEMINI_API_KEY', 'https://generativelanguage.googleapis.com'],
  ])('identify %s: exit 2, one line naming %s, nothing sent, no run', async (id, variable, origin) => {
    const before = tunnels.length;
    const result = await runCli(['identify', id, '--retries', '0', '--out', 'keyless'], proxied(), sandbox.root);
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toBe(
      `tokprint: ${id}: set ${variable}: ${origin} answers nothing without an API key (or name another variable with --api-key-env, or give the base URL of a server of your own)\n`,
    );
    expect(tunnels.length).toBe(before);
    expect(existsSync(join(sandbox.root, 'keyless'))).toBe(false);
  });

  it('audit: the same, at the target’s line, before any other target runs', async () => {
    await writeFile(
      join(sandbox.root, 'keyless.yaml'),
      'targets:\n  - id: sim:qwen2.5\n  - id: openai:gpt-4o\n    expect: { family: [o200k] }\n',
    );
    const before = tunnels.length;
    const result = await runCli(['audit', 'keyless.yaml', '--out', 'keyless-audit'], proxied(), sandbox.root);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'tokprint: keyless.yaml:3:9: openai:gpt-4o: set OPENAI_API_KEY: https://api.openai.com answers nothing without an API key (or name another variable with config.apiKeyEnv, or give the base URL of a server of your own)\n',
    );
    expect(tunnels.length).toBe(before);
    expect(existsSync(join(sandbox.root, 'keyless-audit'))).toBe(false);
  });

  it('a server of one’s own at $OPENAI_BASE_URL or in the id goes without a key', async () => {
    const env = { ...sandbox.env, OPENAI_BASE_URL: local.url };
    const named = await runCli(
      ['identify', 'openai:house-model', '--channels', 'usage', '--max-queries', '4', '--json', '--out', 'own'],
      env,
      sandbox.root,
    );
    expect(named.stderr).toBe('');
    expect(JSON.parse(named.stdout).verdict.class).toContain('qwen2.5');
    const inId = await runCli(
      [
        'identify',
        `openai:${local.url}`,
        '--model',
        'm',
        '--channels',
        'usage',
        '--max-queries',
        '4',
        '--json',
        '--out',
        'own',
      ],
      sandbox.env,
      sandbox.root,
    );
    expect(inId.stderr).toBe('');
    expect(JSON.parse(inId.stdout).verdict.class).toContain('qwen2.5');
  });
});
