import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox } from '../../helpers/cli.js';

/**
 * The tokenize-endpoint probes are free and only a shortcut. A server that answers every path with a stream that
 * trickles on without end is cut at the probe's timeout or its small byte cap, and one cut answer ends the probing
 * at that base URL: before, each of the four dialects was asked at each base, each read until its timeout and
 * kept in the record.
 */
let sandbox: Sandbox;
let server: Server;
let url: string;
beforeAll(async () => {
  sandbox = await makeSandbox();
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const tick = setInterval(() => res.write('data: {"choices":[{"index":0,"delta":{"content":"ab"}}]}\n\n'), 5);
    res.on('close', () => clearInterval(tick));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await sandbox.remove();
});

describe('tokenize detection against a server that streams without end on every path', () => {
  it('asks each base URL once and keeps a small record; the chat request is refused as before', async () => {
    const result = await runCli(
      ['identify', `openai:${url}/v1`, '--model', 'm', '--retries', '0', '--out', 'runs'],
      sandbox.env,
      sandbox.root,
    );
    expect(result.code).toBe(3);
    const [run] = await readdir(join(sandbox.root, 'runs'));
    const transcript = join(sandbox.root, 'runs', run as string, 'transcript.jsonl');
    const entries = (await readFile(transcript, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const probes = entries.filter((e) => e.kind === 'http-request' && /\/tokenize$|\/api\/|\/detokenize$/.test(e.url));
    // the server root and the configured /v1: one probe each, not one per dialect
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.length).toBeLessThanOrEqual(2);
    expect((await stat(transcript)).size).toBeLessThan(512 * 1024);
  });
});
