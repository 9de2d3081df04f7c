import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { CHAT_TEMPLATES } from '../../../src/targets/chat-templates.js';
import { startAnthropicServer } from '../../helpers/anthropic-test-server.js';
import {
  isOneLine,
  makeSandbox,
  runCli,
  shareReferenceFiles,
  type CliResult,
  type Sandbox,
  withoutChannelsLine,
} from '../../helpers/cli.js';
import { startEchoProxy, type EchoTricks } from '../../helpers/echo-proxy.js';
import { startGeminiServer } from '../../helpers/gemini-test-server.js';
import { startGateway } from '../../helpers/generic-http-test-server.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startOpenAiTestServer, type Fault, type OpenAiTestServer } from '../../helpers/openai-test-server.js';

// keys with characters that differ once URL-encoded, so every form a server could echo is checked
const KEYS = {
  OPENAI_API_KEY: 'sk-live/7d1e=0c9b+3a5f4e2d',
  ANTHROPIC_API_KEY: 'sk-ant-api03/Qx9=Lm+Zr7Tw',
  GEMINI_API_KEY: 'AIzaSyD-9tS/rke72=PouQ+MnMX',
  GATEWAY_KEY: 'gw-live/55e1=9ac0+d7b3',
};
const QUERY_KEY = 'AIzaQuery/4c1d=e9f0+77ab';
const AZURE_KEY = 'azure/3f2a=91bc+d004e7';
const GATEWAY_TOKEN = 'gwtok/81aa=c3d2+e5f6';
const REPORTS = ['--report', 'html,md,json,cyclonedx,junit'];

let sandbox: Sandbox;
let qwen: Tokenizer;
const closers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox(KEYS);
  await shareReferenceFiles(sandbox);
  qwen = await committedTokenizer('qwen2.5');
});
afterAll(async () => {
  await Promise.all(closers.map((s) => s.close()));
  await sandbox.remove();
});

async function kept<T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> {
  const s = await server;
  closers.push(s);
  return s;
}

const openai = (options: { apiKey?: string; fault?: (n: number) => Fault | undefined } = {}) =>
  kept(startOpenAiTestServer({ tokenizer: qwen, template: CHAT_TEMPLATES.chatml, ...options }));
const proxy = (upstream: string, tricks: EchoTricks = {}) => kept(startEchoProxy(upstream, {}, tricks));

/** Every regular file under `dir` (symlinks to the shared reference cache left out), as text. */
async function allText(dir: string): Promise<{ files: number; text: string }> {
  if (!existsSync(dir)) return { files: 0, text: '' };
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((f) => f.isFile());
  const texts = await Promise.all(files.map((f) => readFile(join(f.parentPath, f.name), 'utf8')));
  return { files: files.length, text: texts.join('\n') };
}

/** The secret and each form a server could echo it in. */
function forms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  return [
    secret,
    encoded,
    encoded.toLowerCase(),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
  ];
}

/** No form of any secret in the run dirs under `out` (config, transcript, verdict, five reports...), their names, the cache, stdout or stderr. */
async function expectNowhere(secrets: string[], out: string, result: CliResult, minFiles = 9) {
  const runs = await allText(join(sandbox.root, out));
  const cache = await allText(sandbox.cache);
  expect(runs.files).toBeGreaterThanOrEqual(minFiles);
  const everything = [
    runs.text,
    cache.text,
    result.stdout,
    result.stderr,
    await readdir(join(sandbox.root, out)).then((n) => n.join('\n')),
  ].join('\n');
  for (const secret of secrets) for (const form of forms(secret)) expect(everything).not.toContain(form);
}

/** Nothing on stderr but the report files written. */
function expectOnlyReportLines(stderr: string) {
  expect(
    withoutChannelsLine(stderr)
      .split('\n')
      .filter((line) => line && !line.startsWith('tokprint: wrote ')),
  ).toEqual([]);
}

const identify = (argv: string[], env: NodeJS.ProcessEnv = sandbox.env) =>
  runCli(['identify', ...argv], env, sandbox.root);

const runDirs = (out: string) =>
  readdir(join(sandbox.root, out)).then((names) => names.map((n) => join(sandbox.root, out, n)));

async function transcript(run: string): Promise<any[]> {
  return (await readFile(join(run, 'transcript.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('a server that echoes the credential back is never recorded with it', () => {
  it('openai: the Authorization header echoed in a response header, an answer field and error bodies', async () => {
    const s = await openai({ apiKey: KEYS.OPENAI_API_KEY });
    const p = await proxy(`${s.url.replace(/\/v1$/, '')}`);
    // the billed counts alone, so every answer is a JSON body the proxy can echo the key into
    const result = await identify([
      `openai:${p.url}/v1`,
      '--model',
      'm',
      '--channels',
      'usage',
      '--json',
      '--out',
      'echo-openai',
      ...REPORTS,
    ]);
    expectOnlyReportLines(result.stderr);
    expect(JSON.parse(result.stdout).verdict.class).toContain('qwen2.5');
    // the tokenize probes met 404 error bodies carrying the key too
    expect(p.received.some((r) => r.path === '/tokenize')).toBe(true);
    const [run] = await runDirs('echo-openai');
    const wire = await transcript(run);
    const answer = wire.find((e) => e.kind === 'http-response' && e.status === 200);
    expect(answer.headers['x-debug-auth']).toBe('Bearer [redacted]');
    expect(JSON.parse(answer.body).debug).toMatchObject({ auth: '[redacted]', encoded: '[redacted]' });
    await expectNowhere([KEYS.OPENAI_API_KEY], 'echo-openai', result);
  });

  it('anthropic: x-api-key echoed', async () => {
    const s = await kept(
      startAnthropicServer({ tokenizer: await committedTokenizer('claude-legacy'), apiKey: KEYS.ANTHROPIC_API_KEY }),
    );
    const p = await proxy(s.url);
    const result = await identify([
      `anthropic:${p.url}`,
      '--model',
      'claude-x',
      '--json',
      '--out',
      'echo-anthropic',
      ...REPORTS,
    ]);
    expectOnlyReportLines(result.stderr);
    expect(JSON.parse(result.stdout).verdict.class).toContain('claude-legacy');
    expect(p.received.every((r) => r.path === '/v1/messages')).toBe(true);
    await expectNowhere([KEYS.ANTHROPIC_API_KEY], 'echo-anthropic', result);
  });

  it('gemini: x-goog-api-key echoed', async () => {
    const s = await kept(
      startGeminiServer({
        tokenizer: await committedTokenizer('gemma3'),
        apiKey: KEYS.GEMINI_API_KEY,
        models: ['gemini-x'],
      }),
    );
    const p = await proxy(s.url);
    const result = await identify([
      `gemini:${p.url}`,
      '--model',
      'gemini-x',
      '--json',
      '--out',
      'echo-gemini',
      ...REPORTS,
    ]);
    expectOnlyReportLines(result.stderr);
    expect(JSON.parse(result.stdout).verdict.class).toContain('gemma3');
    await expectNowhere([KEYS.GEMINI_API_KEY], 'echo-gemini', result);
  });

  it('gemini with ?key= in the target: every request keeps the key, and the target is shown and stored without it', async () => {
    const s = await kept(
      startGeminiServer({ tokenizer: await committedTokenizer('gemma3'), apiKey: QUERY_KEY, models: ['gemini-x'] }),
    );
    const p = await proxy(s.url);
    const { GEMINI_API_KEY: _, ...env } = sandbox.env;
    const result = await identify(
      [
        `gemini:${p.url}?key=${encodeURIComponent(QUERY_KEY)}`,
        '--model',
        'gemini-x',
        '--json',
        // counts only, so every request is a countTokens call carrying the key
        '--channels',
        'usage',
        '--out',
        'query-gemini',
        ...REPORTS,
      ],
      env,
    );
    expectOnlyReportLines(result.stderr);
    const verdict = JSON.parse(result.stdout);
    expect(verdict.verdict.class).toContain('gemma3');
    expect(verdict.target).toBe(`gemini:${p.url}?key=[redacted]`);
    expect(p.received.length).toBeGreaterThan(0);
    expect(
      p.received.every(
        (r) => r.query.get('key') === QUERY_KEY && /^\/v1beta\/models\/gemini-x:countTokens$/.test(r.path),
      ),
    ).toBe(true);
    const [run] = await runDirs('query-gemini');
    expect(JSON.parse(await readFile(join(run, 'config.json'), 'utf8')).target).toBe(`gemini:${p.url}?key=[redacted]`);
    expect(run).not.toMatch(/redacted|key/);
    await expectNowhere([QUERY_KEY], 'query-gemini', result);
  });

  it('openai with Azure-style ?api-version=…&api-key=…: the server gets /v1/chat/completions with the whole query', async () => {
    const s = await openai();
    const p = await proxy(`${s.url.replace(/\/v1$/, '')}`);
    const { OPENAI_API_KEY: _, ...env } = sandbox.env;
    const target = `openai:${p.url}/v1?api-version=2024-06-01&api-key=${encodeURIComponent(AZURE_KEY)}`;
    const result = await identify([target, '--model', 'm', '--json', '--out', 'query-azure', ...REPORTS], env);
    expectOnlyReportLines(result.stderr);
    expect(JSON.parse(result.stdout).verdict.class).toContain('qwen2.5');
    const chats = p.received.filter((r) => r.method === 'POST' && r.path === '/v1/chat/completions');
    expect(chats.length).toBeGreaterThan(0);
    // tokenize probes at the root and under /v1 carry the query as well
    expect(
      p.received.every((r) => r.query.get('api-version') === '2024-06-01' && r.query.get('api-key') === AZURE_KEY),
    ).toBe(true);
    expect(JSON.parse(result.stdout).target).toBe(`openai:${p.url}/v1?api-version=2024-06-01&api-key=[redacted]`);
    await expectNowhere([AZURE_KEY], 'query-azure', result);
  });

  it('http: a gateway spec with the key in a header and a token in its URL', async () => {
    const s = await kept(
      startGateway({
        tokenizer: await committedTokenizer('mistral-nemo'),
        template: CHAT_TEMPLATES.mistral,
        apiKey: KEYS.GATEWAY_KEY,
      }),
    );
    const p = await proxy(s.url);
    const spec = join(sandbox.root, 'gateway.yaml');
    await writeFile(
      spec,
      [
        `url: ${p.url}/gw/v2/generate?tenant=acme&token=${encodeURIComponent(GATEWAY_TOKEN)}`,
        'headers:',
        '  Authorization: Token ${GATEWAY_KEY}',
        'body:',
        '  deployment: house-model',
        '  input: { system: "{{system}}", turns: "{{messages}}" }',
        'response:',
        '  prompt_tokens: result.metering.tokens_in',
      ].join('\n'),
    );
    const result = await identify([`http:${spec}`, '--json', '--out', 'echo-gateway', ...REPORTS]);
    expectOnlyReportLines(result.stderr);
    expect(JSON.parse(result.stdout).verdict.class).toContain('mistral-nemo');
    expect(
      p.received.every(
        (r) =>
          r.path === '/gw/v2/generate' && r.query.get('token') === GATEWAY_TOKEN && r.query.get('tenant') === 'acme',
      ),
    ).toBe(true);
    await expectNowhere([KEYS.GATEWAY_KEY, GATEWAY_TOKEN], 'echo-gateway', result);
  });

  it("http: a credential parameter written in the spec's query section is a secret too", async () => {
    const s = await kept(
      startGateway({
        tokenizer: await committedTokenizer('mistral-nemo'),
        template: CHAT_TEMPLATES.mistral,
        apiKey: KEYS.GATEWAY_KEY,
      }),
    );
    const p = await proxy(s.url);
    const literal = 'spec-literal/91ce=2b+77';
    const spec = join(sandbox.root, 'gateway-query.yaml');
    await writeFile(
      spec,
      [
        `url: ${p.url}/gw/v2/generate`,
        'query:',
        '  tenant: acme',
        `  api-key: "${literal}"`,
        'body:',
        '  deployment: d',
        '  input: { turns: "{{messages}}" }',
        'response:',
        '  prompt_tokens: result.metering.tokens_in',
      ].join('\n'),
    );
    // the gateway wants a key header, so it refuses, echoing the parameter in its error body
    const result = await identify([`http:${spec}`, '--json', '--out', 'spec-query', '--retries', '0']);
    expect(result.code).toBe(3);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(p.received.every((r) => r.query.get('api-key') === literal)).toBe(true);
    await expectNowhere([literal], 'spec-query', result, 2);
  });

  it('a wrong key echoed in a 401 error: the failed-request line and the record hold no key', async () => {
    const s = await openai({ apiKey: 'sk-the-right-one-0000' });
    const p = await proxy(`${s.url.replace(/\/v1$/, '')}`);
    const result = await identify([
      `openai:${p.url}/v1`,
      '--model',
      'm',
      '--json',
      '--out',
      'echo-401',
      '--retries',
      '0',
      '--no-detect-tokenize',
    ]);
    expect(result.code).toBe(3);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(/HTTP 401/);
    // an unfinished run: its config and transcript
    await expectNowhere([KEYS.OPENAI_API_KEY], 'echo-401', result, 2);
  });
});

describe('a server that echoes the key in harder places', () => {
  const upstream = async () => `${(await openai({ apiKey: KEYS.OPENAI_API_KEY })).url.replace(/\/v1$/, '')}`;

  it('split in two across the deltas of a streamed answer (--stream): neither half is recorded', async () => {
    const p = await proxy(await upstream(), { splitStream: true });
    const result = await identify([
      `openai:${p.url}/v1`,
      '--model',
      'm',
      '--stream',
      '--json',
      '--out',
      'echo-split',
      '--no-detect-tokenize',
      ...REPORTS,
    ]);
    expectOnlyReportLines(result.stderr);
    const [run] = await runDirs('echo-split');
    const wire = await transcript(run);
    expect(wire.some((e) => e.kind === 'http-response' && e.body.includes('[redacted]'))).toBe(true);
    const halves = [KEYS.OPENAI_API_KEY.slice(0, 13), KEYS.OPENAI_API_KEY.slice(13)];
    const everything = (await allText(join(sandbox.root, 'echo-split'))).text + result.stdout;
    for (const half of halves) expect(everything).not.toContain(JSON.stringify(half).slice(1, -1));
    await expectNowhere([KEYS.OPENAI_API_KEY], 'echo-split', result);
  });

  it('base64-encoded inside a longer text (the whole `Bearer …` header, a JSON dump of the request headers), at any byte offset', async () => {
    const p = await proxy(await upstream(), { base64Dump: true });
    const result = await identify([
      `openai:${p.url}/v1`,
      '--model',
      'm',
      '--json',
      '--out',
      'echo-base64-dump',
      '--no-detect-tokenize',
      ...REPORTS,
    ]);
    expectOnlyReportLines(result.stderr);
    const [run] = await runDirs('echo-base64-dump');
    const answer = (await transcript(run)).find((e) => e.kind === 'http-response');
    expect(answer.headers['x-debug-auth-b64']).toContain('[redacted]');
    const everything = (await allText(join(sandbox.root, 'echo-base64-dump'))).text + result.stdout;
    // the key's bytes decoded back out of any base64 run in the record
    const decoded = (everything.match(/[A-Za-z0-9+/_-]{16,}/g) ?? []).flatMap((run) =>
      [0, 1, 2, 3].map((skip) => Buffer.from(run.slice(skip), 'base64').toString('latin1')),
    );
    expect(decoded.filter((text) => text.includes(KEYS.OPENAI_API_KEY.slice(3, 19)))).toEqual([]);
    await expectNowhere([KEYS.OPENAI_API_KEY], 'echo-base64-dump', result);
  });

  it('in a response header name (URL-encoded, lower-cased on the way)', async () => {
    const p = await proxy(await upstream(), { headerName: true });
    const result = await identify([
      `openai:${p.url}/v1`,
      '--model',
      'm',
      '--json',
      '--out',
      'echo-header-name',
      '--no-detect-tokenize',
      ...REPORTS,
    ]);
    expectOnlyReportLines(result.stderr);
    const [run] = await runDirs('echo-header-name');
    const answer = (await transcript(run)).find((e) => e.kind === 'http-response');
    expect(Object.keys(answer.headers)).toContain('x-echo-[redacted]');
    await expectNowhere([KEYS.OPENAI_API_KEY], 'echo-header-name', result);
  });

  it('a key from the environment that the user also put in the URL path is redacted there by value, and the run can be resumed with it', async () => {
    const key = 'sk-path-9f2c71d0e4ab';
    const s = await openai({ apiKey: key, fault: (n) => (n === 2 ? { kind: 'server-error' } : undefined) });
    const p = await proxy(s.url.replace(/\/v1$/, ''), { keyInPath: true });
    const env = { ...sandbox.env, OPENAI_API_KEY: key };
    const target = `openai:${p.url}/keys/${key}/v1`;
    const broken = await identify(
      [target, '--model', 'm', '--json', '--out', 'key-in-path', '--no-detect-tokenize', '--retries', '0'],
      env,
    );
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain(`openai:${p.url}/keys/[redacted]/v1`);
    expect(broken.stderr).toContain("'<the target with its credentials>' --resume");
    const [run] = await runDirs('key-in-path');
    expect(JSON.parse(await readFile(join(run, 'config.json'), 'utf8')).target).toBe(
      `openai:${p.url}/keys/[redacted]/v1`,
    );
    const bare = await identify(['--resume', run, '--json'], env);
    expect(bare.code).toBe(2);
    const resumed = await identify([target, '--resume', run, '--json', ...REPORTS], env);
    expectOnlyReportLines(resumed.stderr);
    expect(JSON.parse(resumed.stdout).target).toBe(`openai:${p.url}/keys/[redacted]/v1`);
    const everything = [
      (await allText(join(sandbox.root, 'key-in-path'))).text,
      run,
      broken.stdout,
      broken.stderr,
      resumed.stdout,
    ].join('\n');
    expect(everything).not.toContain(key);
  });

  it('in an HTML error page, starting just before the 200th character the failed-request line shows', async () => {
    const p = await proxy(await upstream(), { htmlErrorAt: 192 });
    const result = await identify(
      [`openai:${p.url}/v1`, '--model', 'm', '--out', 'echo-html', '--no-detect-tokenize', '--retries', '0'],
      { ...sandbox.env, OPENAI_API_KEY: 'sk-wrong/0123=4567+89abcdef' },
    );
    expect(result.code).toBe(3);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(/HTTP 401: <html>/);
    expect(result.stderr).not.toContain('sk-wrong');
    await expectNowhere(['sk-wrong/0123=4567+89abcdef'], 'echo-html', result, 2);
  });
});

describe('a wrong key echoed in an error body, for every adapter', () => {
  const WRONG = 'wrong-key/5e8d=a1b2+c3';
  const cases: [string, () => Promise<{ target: string; env: NodeJS.ProcessEnv; model?: string }>][] = [
    [
      'anthropic',
      async () => {
        const s = await kept(
          startAnthropicServer({
            tokenizer: await committedTokenizer('claude-legacy'),
            apiKey: KEYS.ANTHROPIC_API_KEY,
          }),
        );
        return {
          target: `anthropic:${(await proxy(s.url)).url}`,
          env: { ...sandbox.env, ANTHROPIC_API_KEY: WRONG },
          model: 'claude-x',
        };
      },
    ],
    [
      'gemini header',
      async () => {
        const s = await kept(startGeminiServer({ tokenizer: qwen, apiKey: KEYS.GEMINI_API_KEY, models: ['gemini-x'] }));
        return {
          target: `gemini:${(await proxy(s.url)).url}`,
          env: { ...sandbox.env, GEMINI_API_KEY: WRONG },
          model: 'gemini-x',
        };
      },
    ],
    [
      'gemini ?key=',
      async () => {
        const s = await kept(startGeminiServer({ tokenizer: qwen, apiKey: QUERY_KEY, models: ['gemini-x'] }));
        const { GEMINI_API_KEY: _, ...env } = sandbox.env;
        return {
          target: `gemini:${(await proxy(s.url)).url}?key=${encodeURIComponent(WRONG)}`,
          env,
          model: 'gemini-x',
        };
      },
    ],
    [
      'http: gateway',
      async () => {
        const s = await kept(
          startGateway({ tokenizer: qwen, template: CHAT_TEMPLATES.chatml, apiKey: KEYS.GATEWAY_KEY }),
        );
        const spec = join(sandbox.root, 'gateway-wrong.yaml');
        await writeFile(
          spec,
          [
            `url: ${(await proxy(s.url)).url}/gw/v2/generate?tenant=acme`,
            'headers:',
            '  Authorization: Token ${GATEWAY_KEY}',
            'body:',
            '  deployment: d',
            '  input: { turns: "{{messages}}" }',
            'response:',
            '  prompt_tokens: result.metering.tokens_in',
          ].join('\n'),
        );
        return { target: `http:${spec}`, env: { ...sandbox.env, GATEWAY_KEY: WRONG } };
      },
    ],
  ];
  for (const [name, make] of cases) {
    it(`${name}: one failed-request line (exit 3), and no form of the key in it or the record`, async () => {
      const { target, env, model } = await make();
      const out = `wrong-${name.replace(/\W+/g, '-')}`;
      const result = await identify(
        [target, ...(model ? ['--model', model] : []), '--out', out, '--retries', '0'],
        env,
      );
      expect(result.code).toBe(3);
      expect(isOneLine(result.stderr)).toBe(true);
      expect(result.stderr).toMatch(/HTTP 40[013]/);
      await expectNowhere([WRONG], out, result, 2);
      const [run] = await runDirs(out);
      const wire = await transcript(run);
      const refused = wire.find((e) => e.kind === 'http-response');
      expect(JSON.parse(refused.body).debug.auth).toBe('[redacted]');
    });
  }
});

describe('URL userinfo', () => {
  it('is refused in one line, exit 2, without the password in any form', async () => {
    const password = 'sk-userinfo/9c2e=77f1+a0';
    const target = `openai:http://alice:${encodeURIComponent(password)}@127.0.0.1:9/v1`;
    const result = await identify([target, '--model', 'm', '--out', 'userinfo']);
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toContain('openai:http://[redacted]@127.0.0.1:9/v1');
    for (const form of [...forms(password), Buffer.from(`alice:${password}`).toString('base64')])
      expect(result.stderr + result.stdout).not.toContain(form);
    expect(existsSync(join(sandbox.root, 'userinfo'))).toBe(false);
  });
});

describe('resuming a run whose target had credentials in its URL', () => {
  it('needs the target again, accepts it when it redacts to the recorded one (a rotated key too), and refuses another target', async () => {
    const s = await openai({ fault: (n) => (n === 3 ? { kind: 'server-error' } : undefined) });
    const { OPENAI_API_KEY: _, ...env } = sandbox.env;
    const target = `openai:${s.url}?api-key=${encodeURIComponent(AZURE_KEY)}`;
    const broken = await identify(
      [target, '--model', 'm', '--json', '--out', 'resume-key', '--retries', '0', '--no-detect-tokenize'],
      env,
    );
    expect(broken.code).toBe(3);
    expect(broken.stderr).not.toContain(AZURE_KEY);
    expect(broken.stderr).toContain("'<the target with its credentials>' --resume");
    const [run] = await runDirs('resume-key');

    const bare = await identify(['--resume', run, '--json'], env);
    expect(bare.code).toBe(2);
    expect(isOneLine(bare.stderr)).toBe(true);
    expect(bare.stderr).toMatch(/credentials in its URL.*give it again/);

    const other = await identify(
      [`openai:${s.url}?api-key=another-key-1234&api-version=2024-06-01`, '--resume', run, '--json'],
      env,
    );
    expect(other.code).toBe(2);
    expect(isOneLine(other.stderr)).toBe(true);
    expect(other.stderr).toContain(`openai:${s.url}?api-key=[redacted]`);
    expect(other.stderr).not.toContain('another-key-1234');

    const sentBefore = s.received.length;
    const resumed = await identify([target, '--resume', run, '--json'], env);
    expectOnlyReportLines(resumed.stderr);
    expect(JSON.parse(resumed.stdout).verdict.class).toContain('qwen2.5');
    expect(s.received.length).toBeGreaterThan(sentBefore);
    expect(JSON.parse(resumed.stdout).target).toBe(`openai:${s.url}?api-key=[redacted]`);
    const everything = (await allText(run)).text + resumed.stdout;
    for (const form of forms(AZURE_KEY)) expect(everything).not.toContain(form);
  });
});

describe('redirects', () => {
  for (const to of ['file:///etc', 'data:text/plain,']) {
    it(`to ${to.split(':')[0]}: is refused in one line as a failed request (exit 3)`, async () => {
      const s = await openai({ fault: () => ({ kind: 'redirect', to }) });
      const result = await identify([
        `openai:${s.url}`,
        '--model',
        'm',
        '--out',
        `redirect-${to.split(':')[0]}`,
        '--no-detect-tokenize',
        '--retries',
        '0',
      ]);
      expect(result.code).toBe(3);
      expect(isOneLine(result.stderr)).toBe(true);
      expect(result.stderr).toContain(`refused a redirect to a ${to.split(':')[0]}: URL`);
    });
  }
});

/** A server of each API that takes any key (so only the cache can tell keys apart), how to reach it, and how many requests it has answered. */
interface CacheCase {
  target: string[];
  keyEnv: string;
  sent(): number;
}
const cacheCases: [string, () => Promise<CacheCase>][] = [
  [
    'openai',
    async () => {
      const s = await openai();
      return { target: [`openai:${s.url}`, '--model', 'm'], keyEnv: 'OPENAI_API_KEY', sent: () => s.billed() };
    },
  ],
  [
    'anthropic',
    async () => {
      const s = await kept(startAnthropicServer({ tokenizer: await committedTokenizer('claude-legacy') }));
      return {
        target: [`anthropic:${s.url}`, '--model', 'claude-x'],
        keyEnv: 'ANTHROPIC_API_KEY',
        sent: () => s.received.length,
      };
    },
  ],
  [
    'gemini',
    async () => {
      const s = await kept(startGeminiServer({ tokenizer: await committedTokenizer('gemma3'), models: ['gemini-x'] }));
      return {
        target: [`gemini:${s.url}`, '--model', 'gemini-x'],
        keyEnv: 'GEMINI_API_KEY',
        sent: () => s.received.length,
      };
    },
  ],
  [
    'http: gateway',
    async () => {
      const s = await kept(
        startGateway({ tokenizer: await committedTokenizer('mistral-nemo'), template: CHAT_TEMPLATES.mistral }),
      );
      const spec = join(sandbox.root, 'gateway-cache.yaml');
      await writeFile(
        spec,
        [
          `url: ${s.url}/gw/v2/generate?tenant=acme`,
          'headers:',
          '  Authorization: Token ${GATEWAY_KEY}',
          'body:',
          '  deployment: d',
          '  input: { system: "{{system}}", turns: "{{messages}}" }',
          'response:',
          '  prompt_tokens: result.metering.tokens_in',
        ].join('\n'),
      );
      return { target: [`http:${spec}`], keyEnv: 'GATEWAY_KEY', sent: () => s.received.length };
    },
  ],
];

describe.each(cacheCases)('the answer cache: %s', (name, make) => {
  let s: CacheCase;
  const tag = name.replace(/\W+/g, '-');
  const run = (out: string, extra: string[] = [], env: NodeJS.ProcessEnv = sandbox.env) =>
    identify(
      [...s.target, '--json', '--out', `${out}-${tag}`, '--no-detect-tokenize', '--max-queries', '3', ...extra],
      env,
    );
  const outDirs = (out: string) => runDirs(`${out}-${tag}`);
  const key = () => sandbox.env[s.keyEnv]!;

  beforeAll(async () => {
    s = await make();
  });

  it('is off by default: the same run twice sends twice', async () => {
    const first = await run('cache-default');
    const billed = s.sent();
    const second = await run('cache-default');
    expect(withoutChannelsLine(first.stderr) + withoutChannelsLine(second.stderr)).toBe('');
    expect(JSON.parse(second.stdout).queries).toBeGreaterThan(0);
    expect(s.sent()).toBe(billed + JSON.parse(second.stdout).queries);
    expect(JSON.parse(second.stdout).verdict.flags ?? []).not.toContain('answers-replayed');
    // --no-cache is still taken, and means the default
    const third = await run('cache-default', ['--no-cache']);
    expect(third.code).toBeLessThan(2);
    expect(s.sent()).toBe(billed + 2 * JSON.parse(second.stdout).queries);
  });

  it('--cache 1h: the second run is replayed, marked in the transcript, the answers and the verdict', async () => {
    const first = await run('cache-ttl', ['--cache', '1h', ...REPORTS]);
    expectOnlyReportLines(first.stderr);
    const billed = s.sent();
    const second = await run('cache-ttl', ['--cache', '1h', ...REPORTS]);
    expectOnlyReportLines(second.stderr);
    expect(s.sent()).toBe(billed);
    const verdict = JSON.parse(second.stdout);
    expect(verdict.verdict.flags).toContain('answers-replayed');
    expect(verdict.verdict.replayed).toBe(verdict.queries);
    const [, replayedRun] = (await outDirs('cache-ttl')).sort();
    const wire = await transcript(replayedRun);
    const cached = wire.filter((e) => e.kind === 'http-cached');
    expect(cached.length).toBe(verdict.queries);
    for (const entry of cached) {
      expect(entry.replayed).toBe(true);
      expect(Date.parse(entry.storedAt)).toBeLessThanOrEqual(Date.parse(entry.at));
      expect(entry.ageSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(wire.filter((e) => e.kind === 'response').every((e) => e.metadata.replayed === true)).toBe(true);
    expect(JSON.parse(await readFile(join(replayedRun, 'verdict.json'), 'utf8')).verdict.replayed).toBe(
      verdict.queries,
    );
    expect(JSON.parse(await readFile(join(replayedRun, 'report.json'), 'utf8')).verdict).toMatchObject({
      flags: expect.arrayContaining(['answers-replayed']),
      replayed: verdict.queries,
    });
    const rescored = await runCli(['rescore', replayedRun, '--json'], sandbox.env, sandbox.root);
    expect(JSON.parse(rescored.stdout).verdict).toEqual(verdict.verdict);
    await expectNowhere([key()], `cache-ttl-${tag}`, second);
  });

  it('another key, or no key, is never served a keyed run’s answers', async () => {
    await run('cache-keys', ['--cache', '1h']);
    const billed = s.sent();
    const other = await run('cache-keys', ['--cache', '1h'], { ...sandbox.env, [s.keyEnv]: `${key()}-another-5678` });
    const sent = JSON.parse(other.stdout).queries;
    expect(sent).toBeGreaterThan(0);
    expect(s.sent()).toBe(billed + sent);
    expect(JSON.parse(other.stdout).verdict.flags ?? []).not.toContain('answers-replayed');
    const { [s.keyEnv]: _, ...keyless } = sandbox.env;
    const none = await run('cache-keys', ['--cache', '1h'], keyless);
    // an API that needs a key refuses to start without one; either way nothing is replayed
    if (s.keyEnv === 'OPENAI_API_KEY') expect(s.sent()).toBe(billed + sent + JSON.parse(none.stdout).queries);
    else {
      // an API that needs a key: the keyless request reaches the server and is refused there, not answered from the cache
      expect(none.code).toBe(3);
      expect(isOneLine(none.stderr)).toBe(true);
      expect(none.stderr).toMatch(/HTTP 40[13]/);
      expect(s.sent()).toBe(billed + sent + 1);
    }
    expect(none.stdout).not.toContain('answers-replayed');
  });

  it('an answer stored longer ago than the ttl is not reused', async () => {
    await run('cache-expired', ['--cache', '1h']);
    // age every stored answer by two hours
    const dir = join(sandbox.cache, 'http');
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const stored = JSON.parse(await readFile(join(dir, file), 'utf8'));
      await writeFile(
        join(dir, file),
        JSON.stringify({ ...stored, storedAt: new Date(Date.parse(stored.storedAt) - 2 * 3_600_000).toISOString() }),
      );
    }
    const billed = s.sent();
    const longer = await run('cache-expired', ['--cache', '3h']);
    expect(JSON.parse(longer.stdout).verdict.flags).toContain('answers-replayed');
    expect(s.sent()).toBe(billed);
    const again = await run('cache-expired', ['--cache', '1h']);
    expect(s.sent()).toBe(billed + JSON.parse(again.stdout).queries);
    expect(JSON.parse(again.stdout).verdict.flags ?? []).not.toContain('answers-replayed');
  });
});

describe('the answer cache flags', () => {
  let s: OpenAiTestServer;
  const run = (out: string, extra: string[] = [], env: NodeJS.ProcessEnv = sandbox.env) =>
    identify(
      [
        `openai:${s.url}`,
        '--model',
        'm',
        '--json',
        '--out',
        out,
        '--no-detect-tokenize',
        '--max-queries',
        '3',
        ...extra,
      ],
      env,
    );

  beforeAll(async () => {
    s = await openai();
  });

  it('a bad ttl is one line, exit 2', async () => {
    for (const bad of ['1y', 'soon', '0h', '5', '99999d']) {
      const result = await run('cache-bad', ['--cache', bad]);
      expect(result.code).toBe(2);
      expect(isOneLine(result.stderr)).toBe(true);
    }
  });
});
