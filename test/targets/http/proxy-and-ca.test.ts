import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import { createHttpTarget } from '../../../src/targets/http/create-http-target.js';
import { httpScheme } from '../../../src/targets/http/protocols.js';
import { UserError } from '../../../src/util/errors.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startOpenAiTestServer, type OpenAiTestServer } from '../../helpers/openai-test-server.js';

const KEY = 'sk-proxy-0a1b2c3d4e5f6789';
const request = {
  messages: [{ role: 'user' as const, content: 'Please reply with OK.\n\nThanks.' }],
  maxOutputTokens: 1,
};

let root: string;
let plain: OpenAiTestServer;
let secure: OpenAiTestServer;
let proxy: Server;
const tunnels: string[] = [];

/** A CONNECT proxy on loopback that only records where it was asked to tunnel. */
async function startProxy(): Promise<Server> {
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, socket, head) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    if (host !== '127.0.0.1') return socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-proxy-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(root, 'key.pem'),
      '-out',
      join(root, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const tokenizer = await committedTokenizer('qwen2.5');
  const template = chatTemplate('chatml');
  plain = await startOpenAiTestServer({ tokenizer, template, apiKey: KEY });
  secure = await startOpenAiTestServer({
    tokenizer,
    template,
    apiKey: KEY,
    tls: { key: await readFile(join(root, 'key.pem'), 'utf8'), cert: await readFile(join(root, 'cert.pem'), 'utf8') },
  });
  proxy = await startProxy();
});
afterAll(async () => {
  await Promise.all([plain.close(), secure.close(), new Promise((resolve) => proxy.close(resolve))]);
  await rm(root, { recursive: true, force: true });
});

function target(url: string, env: NodeJS.ProcessEnv, caFile?: string) {
  return createHttpTarget(`openai:${url}`, httpScheme('openai')!, url, {
    cwd: root,
    env: { OPENAI_API_KEY: KEY, ...env },
    options: { model: 'm', retries: 0, detectTokenize: false, ...(caFile ? { caFile } : {}) },
  });
}

describe('proxy and CA', () => {
  it('goes through HTTPS_PROXY/HTTP_PROXY from the given environment, and around it for NO_PROXY hosts', async () => {
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const before = plain.received.length;
    await target(plain.url, { HTTP_PROXY: proxyUrl }).send(request);
    expect(tunnels).toEqual([`127.0.0.1:${plain.port}`]);
    await target(plain.url, { HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' }).send(request);
    expect(tunnels.length).toBe(1);
    expect(plain.received.length).toBe(before + 2);
  });

  it('refuses a proxy variable that is not a URL in one line, exit 2, without its password and before any request', () => {
    const before = plain.received.length;
    for (const [name, value] of [
      ['HTTP_PROXY', 'http://user:pw-5ecret-77@127.0.0.1:1:2'],
      ['https_proxy', 'proxy host:3128'],
    ] as const) {
      let error: unknown;
      try {
        target(plain.url, { [name]: value });
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(UserError);
      expect((error as UserError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(new RegExp(`^${name} is not a URL: `));
      expect((error as Error).message).not.toContain('pw-5ecret-77');
      expect((error as Error).message).not.toContain('\n');
    }
    expect(plain.received.length).toBe(before);
  });

  it('trusts a private CA only when given one (--ca-file or NODE_EXTRA_CA_CERTS), also through the proxy', async () => {
    const refused = await target(secure.url, {})
      .send(request)
      .catch((e: Error) => e);
    expect(String(refused)).toMatch(/self-signed|certificate/i);
    expect((await target(secure.url, {}, join(root, 'cert.pem')).send(request)).usage?.promptTokens).toBeGreaterThan(5);
    expect(
      (await target(secure.url, { NODE_EXTRA_CA_CERTS: join(root, 'cert.pem') }).send(request)).usage?.promptTokens,
    ).toBeGreaterThan(5);
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    await target(secure.url, { HTTPS_PROXY: proxyUrl }, join(root, 'cert.pem')).send(request);
    expect(tunnels.at(-1)).toBe(`127.0.0.1:${secure.port}`);
  });
});
