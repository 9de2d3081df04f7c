import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

let box: Sandbox;
let server: Server;
let url: string;
let received = 0;

beforeAll(async () => {
  box = await makeSandbox();
  // counts requests and answers none usefully: nothing should reach it
  server = createServer((req, res) => {
    received++;
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  setTimeout(() => server.close(), 60_000).unref();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await box.remove();
});

describe('an API key that no HTTP header can carry is bad input, found before any request', () => {
  it.each([
    ['openai', 'OPENAI_API_KEY', 'sk-live-1234\r\nX-Injected: 1', /a line break at character 13/],
    ['anthropic', 'ANTHROPIC_API_KEY', 'sk-ant-1234€5678', /a character beyond Latin-1 at character 12/],
    ['gemini', 'GEMINI_API_KEY', 'AIza\u0000Sy12345678', /a NUL at character 5/],
  ])('%s: one line naming the variable and the place, never the key, exit 2', async (scheme, variable, key, reason) => {
    const before = received;
    const target = scheme === 'openai' ? `openai:${url}/v1` : `${scheme}:${url}`;
    const result = await runCli(
      ['identify', target, '--model', 'm', '--retries', '0', '--out', 'runs'],
      { ...box.env, [variable]: key },
      box.root,
    );
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toContain(`$${variable}: the API key holds`);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr).not.toContain('1234');
    expect(received).toBe(before);
  });

  it('a key with a trailing line break (a .env file written on Windows) is still sent, without it', async () => {
    const before = received;
    const result = await runCli(
      ['identify', `openai:${url}/v1`, '--model', 'm', '--retries', '0', '--no-detect-tokenize', '--out', 'runs'],
      { ...box.env, OPENAI_API_KEY: 'sk-live-1234\r\n' },
      box.root,
    );
    // the server answers 404: the request was sent and failed as a target request does
    expect(result.code).toBe(3);
    expect(received).toBeGreaterThan(before);
  });
});
