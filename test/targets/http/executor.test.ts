import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import { createHttpTarget } from '../../../src/targets/http/create-http-target.js';
import type { HttpTargetOptions } from '../../../src/targets/http/http-options.js';
import { httpScheme } from '../../../src/targets/http/protocols.js';
import type { WireEntry } from '../../../src/targets/http/wire-entry.js';
import type { Target, TargetRequest } from '../../../src/targets/target.js';
import { UserError } from '../../../src/util/errors.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startOpenAiTestServer, type Fault, type OpenAiTestServer } from '../../helpers/openai-test-server.js';

const KEY = 'sk-test-4f9c1e7a2b8d6035aa11';
const template = chatTemplate('chatml');
const request: TargetRequest = {
  messages: [{ role: 'user', content: 'Please reply with OK.\n\nnaïve café 1234567 ﷺ\n\nThanks.' }],
  maxOutputTokens: 1,
};

let tokenizer: Tokenizer;
let root: string;
const servers: OpenAiTestServer[] = [];

beforeAll(async () => {
  tokenizer = await committedTokenizer('qwen2.5');
  root = await mkdtemp(join(tmpdir(), 'tokprint-http-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(root, { recursive: true, force: true });
});

async function server(fault?: (n: number) => Fault | undefined, extra: { apiKey?: string | null } = {}) {
  const s = await startOpenAiTestServer({
    tokenizer,
    template,
    apiKey: extra.apiKey === null ? undefined : (extra.apiKey ?? KEY),
    fault,
  });
  servers.push(s);
  return s;
}

let cacheCount = 0;
function target(
  url: string,
  options: HttpTargetOptions = {},
  scheme = 'openai',
  env: NodeJS.ProcessEnv = { OPENAI_API_KEY: KEY },
) {
  const wire: WireEntry[] = [];
  const cache = join(root, `cache-${++cacheCount}`);
  const t: Target = createHttpTarget(`${scheme}:${url}`, httpScheme(scheme)!, url, {
    cwd: root,
    env: { ...env, TOKPRINT_CACHE: cache },
    // the chat path alone: tokenize detection has its own tests
    options: { model: 'm', requestsPerSecond: 1000, detectTokenize: false, ...options },
    wire: { append: (e) => wire.push(e) },
  });
  return { target: t, wire, cache };
}

const promptCount = (messages = request.messages) => tokenizer.encode(template.render(messages)).length;

describe('openai chat completions through the executor', () => {
  it('reads billed usage, cached tokens and logprob tokens with their bytes', async () => {
    const s = await server();
    const { target: t } = target(s.url, { topLogprobs: 2 });
    const response = await t.send(request);
    expect(response.usage).toEqual({
      promptTokens: promptCount(),
      completionTokens: 1,
      totalTokens: promptCount() + 1,
      cachedTokens: 0,
    });
    const okId = tokenizer.encode('OK')[0];
    const ok = {
      token: 'OK'.slice(0, Buffer.from(tokenizer.tokenBytes(okId)!).toString().length),
      bytes: [...tokenizer.tokenBytes(okId)!],
      logprob: -0.01,
    };
    // The test server lists the chosen token as its only top alternative.
    expect(response.logprobTokens).toEqual([{ ...ok, alternatives: [ok] }]);
    expect(response.metadata).toMatchObject({ model: 'm', attempts: 1 });
    expect(s.billed()).toBe(1);
  });

  it('streams with include_usage: chunks in order and usage from the final chunk', async () => {
    const s = await server();
    const { target: t } = target(s.url, { stream: true });
    const response = await t.send({ ...request, maxOutputTokens: 4 });
    expect(JSON.parse(s.received[0].body)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(response.usage?.promptTokens).toBe(promptCount());
    expect(response.chunks?.join('')).toBe('OK');
    expect(response.chunks?.length).toBe(tokenizer.encode('OK').length);
  });

  it('legacy completions with echo give the exact prompt tokens', async () => {
    const s = await server();
    const { target: t } = target(s.url, {}, 'openai-completions');
    const response = await t.send(request);
    const ids = tokenizer.encode(request.messages[0].content);
    expect(response.usage?.promptTokens).toBe(ids.length);
    expect(response.logprobTokens?.length).toBe(ids.length);
    // a character split across tokens comes back lossy in legacy string tokens; whole ones read back exactly
    expect(response.logprobTokens?.map((t) => t.token).join('')).toContain(
      'Please reply with OK.\n\nnaïve café 1234567 ',
    );
  });
});

describe('faults', () => {
  const cases: [string, Fault, HttpTargetOptions][] = [
    ['429 with Retry-After', { kind: 'rate-limit', retryAfterSeconds: 1 }, {}],
    ['500', { kind: 'server-error' }, {}],
    ['503', { kind: 'unavailable', retryAfterSeconds: 0 }, {}],
    ['connection reset', { kind: 'reset' }, {}],
    ['slow past the timeout', { kind: 'slow', delayMs: 1500 }, { timeoutMs: 500 }],
    ['malformed JSON', { kind: 'malformed-json' }, {}],
    ['stream cut mid-way', { kind: 'cut-stream' }, { stream: true }],
  ];
  for (const [name, fault, options] of cases) {
    it(`${name}: retried to the right count, billed once`, async () => {
      const s = await server((n) => (n <= 2 ? fault : undefined));
      const { target: t, wire } = target(s.url, options);
      const started = Date.now();
      const response = await t.send(request);
      expect(response.usage?.promptTokens).toBe(promptCount());
      expect(response.metadata?.attempts).toBe(3);
      expect(s.received.length).toBe(3);
      expect(s.billed()).toBe(1);
      expect(wire.filter((e) => e.kind === 'http-request').length).toBe(3);
      if (fault.kind === 'rate-limit') expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    });
  }

  it('--retries 0 fails on the first fault with one line that names the status', async () => {
    const s = await server(() => ({ kind: 'server-error' }));
    const { target: t } = target(s.url, { retries: 0 });
    await expect(t.send(request)).rejects.toThrow(/HTTP 500/);
    expect(s.received.length).toBe(1);
  });

  it('a 4xx other than 408/409/429 is not retried, and the echoed key is scrubbed from the error', async () => {
    const s = await server();
    const { target: t, wire } = target(s.url, {}, 'openai', { OPENAI_API_KEY: `${KEY}-wrong` });
    const error = await t.send(request).catch((e: Error) => e);
    expect(String(error)).toMatch(/HTTP 401/);
    expect(String(error)).not.toContain(KEY);
    expect(JSON.stringify(wire)).not.toContain(KEY);
    expect(s.received.length).toBe(1);
  });
});

describe('credentials', () => {
  it('are sent to the configured origin only: a redirect to another port gets no key', async () => {
    const mirror = await server(undefined, { apiKey: null });
    const s = await server((n) => (n === 1 ? { kind: 'redirect', to: mirror.url } : undefined));
    const { target: t, wire } = target(s.url);
    const response = await t.send(request);
    expect(response.usage?.promptTokens).toBe(promptCount());
    expect(s.received[0].authorization).toBe(`Bearer ${KEY}`);
    expect(mirror.received.length).toBe(1);
    expect(mirror.received[0].authorization).toBeUndefined();
    const requests = wire.filter((e) => e.kind === 'http-request');
    expect(requests.map((e) => e.url)).toEqual([`${s.url}/chat/completions`, `${mirror.url}/chat/completions`]);
    expect(requests[0].headers.authorization).toBe('[redacted]');
    expect(JSON.stringify(wire)).not.toContain(KEY);
  });
});

describe('response cache', () => {
  it('with a ttl, answers a repeated request from disk, marked as replayed, never caches errors, and holds no key', async () => {
    const s = await server((n) => (n === 1 ? { kind: 'server-error' } : undefined));
    const { target: first, cache } = target(s.url, { cacheTtlMs: 3_600_000, retries: 0 });
    await expect(first.send(request)).rejects.toThrow(/HTTP 500/);
    // only the cache's salt, no answer
    expect((await readdir(cache, { recursive: true }).catch(() => [])).filter((f) => f.endsWith('.json'))).toEqual([]);
    const fresh = await first.send(request);
    expect(s.received.length).toBe(2);
    const again = createHttpTarget(`openai:${s.url}`, httpScheme('openai')!, s.url, {
      cwd: root,
      env: { OPENAI_API_KEY: KEY, TOKPRINT_CACHE: cache },
      options: { model: 'm', retries: 0, detectTokenize: false, cacheTtlMs: 3_600_000 },
    });
    const cached = await again.send(request);
    expect(s.received.length).toBe(2);
    expect(cached.usage).toEqual(fresh.usage);
    expect(cached.metadata?.replayed).toBe(true);
    const files = await readdir(join(cache, 'http'), { recursive: true });
    const contents = await Promise.all(
      files.filter((f) => f.endsWith('.json')).map((f) => readFile(join(cache, 'http', f), 'utf8')),
    );
    expect(contents.length).toBe(1);
    expect(contents.join('')).not.toContain(KEY);
  });
});

describe('response cache: entries it must not trust', () => {
  const again = (url: string, cache: string) =>
    createHttpTarget(`openai:${url}`, httpScheme('openai')!, url, {
      cwd: root,
      env: { OPENAI_API_KEY: KEY, TOKPRINT_CACHE: cache },
      options: { model: 'm', retries: 0, detectTokenize: false, cacheTtlMs: 3_600_000 },
    });
  const storedFile = async (cache: string) => {
    const files = (await readdir(join(cache, 'http'), { recursive: true })).filter((f) => f.endsWith('.json'));
    expect(files.length).toBe(1);
    return join(cache, 'http', files[0]);
  };

  it('an entry whose stored request is not this one, or that is truncated or larger than 16 MB, is not replayed', async () => {
    const s = await server();
    const { target: first, cache } = target(s.url, { cacheTtlMs: 3_600_000 });
    await first.send(request);
    const file = await storedFile(cache);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    const tampered = [
      JSON.stringify({ ...stored, request: { ...stored.request, url: `${s.url}/elsewhere` } }),
      JSON.stringify(stored).slice(0, 120),
      JSON.stringify({ ...stored, padding: 'x'.repeat(17 * 1024 * 1024) }),
    ];
    for (const content of tampered) {
      await writeFile(file, content);
      const sent = s.received.length;
      const answer = await again(s.url, cache).send(request);
      expect(answer.metadata?.replayed).toBeUndefined();
      expect(s.received.length).toBe(sent + 1);
    }
  });

  it('the credential tag is salted per cache: the same key and request are stored under another name in another cache', async () => {
    const s = await server();
    const a = target(s.url, { cacheTtlMs: 3_600_000 });
    const b = target(s.url, { cacheTtlMs: 3_600_000 });
    await a.target.send(request);
    await b.target.send(request);
    const [fa, fb] = [await storedFile(a.cache), await storedFile(b.cache)];
    expect(fa.split('/').at(-1)).not.toBe(fb.split('/').at(-1));
    expect(await readFile(join(a.cache, 'http', 'salt'), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('response cache: its salt', () => {
  it('a salt file left empty or cut short (a process killed while making it) is replaced by a whole random one, not used', async () => {
    const s = await server();
    const tags: string[] = [];
    for (const left of ['', '0123abcd']) {
      const { target: t, cache } = target(s.url, { cacheTtlMs: 3_600_000 });
      await mkdir(join(cache, 'http'), { recursive: true });
      await writeFile(join(cache, 'http', 'salt'), left);
      await t.send(request);
      const salt = await readFile(join(cache, 'http', 'salt'), 'utf8');
      expect(salt).toMatch(/^[0-9a-f]{64}$/);
      tags.push((await readdir(join(cache, 'http'), { recursive: true })).filter((f) => f.endsWith('.json')).join());
      expect((await readdir(join(cache, 'http'))).filter((name) => name.startsWith('salt'))).toEqual(['salt']);
    }
    // the same key and request under two fresh salts: two names
    expect(tags[0]).not.toBe(tags[1]);
  });
});

describe('response cache: a cache directory it cannot use', () => {
  it('is one clear error (exit 2) before anything is sent, whether its folder is a file or its salt a folder', async () => {
    const s = await server();
    for (const [name, spoil] of [
      [
        'folder is a file',
        (cache: string) => mkdir(cache, { recursive: true }).then(() => writeFile(join(cache, 'http'), 'x')),
      ],
      ['salt is a folder', (cache: string) => mkdir(join(cache, 'http', 'salt'), { recursive: true })],
    ] as const) {
      const { target: t, cache } = target(s.url, { cacheTtlMs: 3_600_000 });
      await spoil(cache);
      const error = await t.send(request).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(UserError);
      expect((error as UserError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(/cannot use the answer cache at .*; fix it or run without --cache/);
      expect(s.received.length).toBe(0);
    }
  });
});
