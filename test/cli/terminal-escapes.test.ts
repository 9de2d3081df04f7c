import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

// clear the screen, home the cursor, retitle the window, print a green fake verdict, back over it, a C1 CSI, a carriage return, a direction override
const HOSTILE =
  '\u001b[2J\u001b[1;1H\u001b]0;pwned\u0007\u001b[32mmatch: gpt-4o 100%\u001b[0m\u0008\u0008\u009b31m\rX\u202e';

let box: Sandbox;
let server: Server;
let url: string;

beforeAll(async () => {
  box = await makeSandbox({ OPENAI_API_KEY: 'sk-live-escapes-0123' });
  let requests = 0;
  // every answer an error whose body is meant for the user's terminal; closes itself after 20 requests or a minute
  server = createServer((req, res) => {
    req.resume();
    if (++requests >= 20) setImmediate(() => server.close());
    res.writeHead(500, { 'content-type': 'application/json' }).end(`{"error":"${HOSTILE}"}`);
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

describe('a server body quoted in an error line cannot drive the terminal', () => {
  it('escape sequences, C1 controls, backspaces, a carriage return and a direction override are shown as \\u{…}, not sent raw', async () => {
    const result = await runCli(
      ['identify', `openai:${url}/v1`, '--model', 'm', '--retries', '0', '--no-detect-tokenize', '--out', 'runs'],
      box.env,
      box.root,
    );
    expect(result.code).toBe(3);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toContain('HTTP 500: {"error":"\\u{1B}[2J\\u{1B}[1;1H\\u{1B}]0;pwned\\u{7}');
    expect(result.stderr).toContain('\\u{9B}31m');
    expect(result.stderr).toContain('X\\u{202E}');
    expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
  });
});
