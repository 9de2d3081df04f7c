import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunDir } from '../../src/run/run-dir.js';
import { splitLocation } from '../../src/targets/http/api-schemes.js';
import { joinUrl } from '../../src/targets/http/executor.js';
import {
  isRecordedTarget,
  isSecretParam,
  Redactor,
  secretQueryValues,
  shownTarget,
  targetForName,
  withholdsCredentials,
} from '../../src/util/secrets/secrets.js';
import { probeBases } from '../../src/targets/http/tokenize-detect.js';

const KEY = 'sk-proj/Ab"c\\d=e+f 9';

describe('Redactor', () => {
  it('removes a secret as sent, JSON-escaped, URL-encoded and form-encoded', () => {
    const r = Redactor.from({ apiKey: KEY });
    const text = [
      KEY,
      JSON.stringify(KEY),
      JSON.stringify(KEY).replace(/\//g, '\\/'),
      encodeURIComponent(KEY),
      new URLSearchParams({ k: KEY }).toString(),
    ].join(' | ');
    const out = r.text(text);
    expect(out).toBe('[redacted] | "[redacted]" | "[redacted]" | [redacted] | k=[redacted]');
  });

  it('removes userinfo, its password and the Basic credential built from it', () => {
    const r = Redactor.from({ userinfo: { username: 'alice', password: 'p%40ss-w0rd' } });
    const basic = Buffer.from('alice:p@ss-w0rd').toString('base64');
    expect(r.text(`Authorization: Basic ${basic}; echoed p@ss-w0rd`)).toBe(
      'Authorization: Basic [redacted]; echoed [redacted]',
    );
  });

  it('keeps JSON valid and scrubs keys and values of a whole answer', () => {
    const r = Redactor.from({ apiKey: 'sk-abcdef', queryValues: ['q-secret-1'] });
    const value = {
      usage: { prompt_tokens: 12 },
      echo: ['Bearer sk-abcdef', { 'q-secret-1': 'x' }],
      url: 'http://h/v1?key=q-secret-1',
    };
    expect(r.value(value)).toEqual({
      usage: { prompt_tokens: 12 },
      echo: ['Bearer [redacted]', { '[redacted]': 'x' }],
      url: 'http://h/v1?key=[redacted]',
    });
  });

  it('leaves a secret shorter than 4 characters in free text, but never in a credential parameter of a URL or message line', () => {
    const r = Redactor.from({ queryValues: ['ab'] });
    expect(r.line('a cab and http://h/v1?api_key=ab&x=1')).toBe('a cab and http://h/v1?api_key=[redacted]&x=1');
  });

  it('leaves an answer that merely looks like a credential parameter as it came: it is evidence', () => {
    const r = Redactor.from({ apiKey: 'sk-abcdef' });
    expect(r.text('visit https://x.example/?code=42&token=abc')).toBe('visit https://x.example/?code=42&token=abc');
    expect(r.line('GET https://x.example/?code=42')).toBe('GET https://x.example/?code=[redacted]');
  });

  it('tags credentials with a salted slow hash that differs per key and per salt and reveals none', async () => {
    const a = await Redactor.from({ apiKey: 'sk-aaaaaaaa' }).credentialTag('salt-1');
    expect(a).not.toBe(await Redactor.from({ apiKey: 'sk-bbbbbbbb' }).credentialTag('salt-1'));
    expect(a).not.toBe(await Redactor.from({}).credentialTag('salt-1'));
    expect(a).not.toBe(await Redactor.from({ apiKey: 'sk-aaaaaaaa' }).credentialTag('salt-2'));
    expect(a).toBe(await Redactor.from({ apiKey: 'sk-aaaaaaaa' }).credentialTag('salt-1'));
    expect(a).not.toContain('aaaa');
    // the list of secrets is hashed unambiguously: one secret with a newline is not two secrets
    expect(await new Redactor(['sk-aaaa\nsk-bbbb']).credentialTag('salt-1')).not.toBe(
      await new Redactor(['sk-aaaa', 'sk-bbbb']).credentialTag('salt-1'),
    );
    // not the unsalted HMAC a copied cache could be checked against offline at millions of guesses a second
    expect(a).not.toBe(createHmac('sha256', 'sk-aaaaaaaa').update('tokprint http answer cache').digest('hex'));
  });
});

describe('Redactor: echoes in other encodings, split echoes, header names', () => {
  const SK = 'sk-live/7d1e=0c9b+3a5f4e2d';
  const r = Redactor.from({ apiKey: SK });

  it('removes the key percent-encoded in lower-case hex, form-encoded with a raw +, and JSON with \\u escapes in any mix', () => {
    const lower = encodeURIComponent(SK).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    const mixed = 'sk-live%2f7d1e%3D0c9b+3a5f4e2d';
    const unicode = JSON.stringify(SK)
      .slice(1, -1)
      .replace(/s/g, '\\u0073')
      .replace(/=/g, '\\u003D')
      .replace(/\//g, '\\u002f');
    for (const form of [lower, mixed, unicode]) expect(r.text(`a ${form} b`)).toBe('a [redacted] b');
    expect(r.text('Form: k=a+b+c')).toBe('Form: k=a+b+c');
    const spaced = Redactor.from({ apiKey: 'my secret words' });
    expect(spaced.text('q=my+secret+words')).toBe('q=[redacted]');
  });

  it('removes the key HTML-escaped, as an error page template would show it (&#x2F;, &#61;, &plus;, &amp;...)', () => {
    const html = 'sk-live&#x2F;7d1e&#61;0c9b&plus;3a5f4e2d';
    expect(r.text(`<pre>${html}</pre>`)).toBe('<pre>[redacted]</pre>');
    expect(r.text('<pre>sk-live&#X2f;7d1e&#0061;0c9b&#43;3a5f4e2d</pre>')).toBe('<pre>[redacted]</pre>');
    const amp = Redactor.from({ apiKey: 'tok&en"<9>' });
    expect(amp.text('x tok&amp;en&quot;&lt;9&gt; y')).toBe('x [redacted] y');
  });

  it('removes the key base64-encoded (standard and URL alphabets, padding or not)', () => {
    for (const form of [Buffer.from(SK).toString('base64'), Buffer.from(SK).toString('base64url')])
      expect(r.text(`echo:${form};`)).not.toContain(form.replace(/=+$/, ''));
  });

  it('removes the key from header names as well as values', () => {
    expect(r.headers({ [`x-echo-${SK}`]: 'a', 'x-b': `Bearer ${SK}` })).toEqual({
      'x-echo-[redacted]': 'a',
      'x-b': 'Bearer [redacted]',
    });
  });

  it('removes a key split across the pieces of one field: stream deltas, logprob tokens, chunks', () => {
    const events = [
      { id: 'c1', choices: [{ delta: { content: 'here: sk-live/7d' } }] },
      { id: 'c1', choices: [{ delta: { content: '1e=0c9b+3a' } }] },
      { id: 'c1', choices: [{ delta: { content: '5f4e2d done' } }] },
    ];
    const out = r.value({ events, chunks: ['sk-li', 've/7d1e=0c9b+3a5f4e2d', '!'] });
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/7d1e|0c9b|3a5f|sk-li/);
    expect(out.events.map((e) => e.choices[0].delta.content)).toEqual(['here: [redacted]', '', ' done']);
    expect(out.events.map((e) => e.id)).toEqual(['c1', 'c1', 'c1']);
    expect(out.chunks).toEqual(['[redacted]', '', '!']);
  });

  it('removes a key split across the events of a recorded stream body, leaving other events as they came', () => {
    const body = [
      'data: {"choices":[{"delta":{"content":"sk-live/7d1e"}}]}',
      '',
      'data: {"choices":[{"delta":{"content":"=0c9b+3a5f4e2d"}}]}',
      '',
      'data: {"choices":[{"delta":{"content":"ok"}}]}',
      '',
      'data: [DONE]',
      '',
      '',
    ].join('\n');
    const out = r.body(body, true);
    expect(out).not.toMatch(/7d1e|0c9b/);
    expect(out).toContain('data: {"choices":[{"delta":{"content":"ok"}}]}');
    expect(out).toContain('data: [DONE]');
    expect(r.body('{"logprobs":{"content":[{"token":"sk-live/"},{"token":"7d1e=0c9b+3a5f4e2d"}]}}', false)).toBe(
      '{"logprobs":{"content":[{"token":"[redacted]"},{"token":""}]}}',
    );
    expect(r.body('{"a": 1}', false)).toBe('{"a": 1}');
  });
});

describe('credential parameters by name', () => {
  it('cover the usual names in any case and separator, in the query, a fragment or matrix parameters', () => {
    for (const name of [
      'Key',
      'API-KEY',
      'X-Goog-Api-Key',
      'subscription-key',
      'X-Amz-Signature',
      'X-Amz-Credential',
      'X-Amz-Security-Token',
      'client_secret',
      'password',
      'auth',
      'id_token',
      'refresh_token',
    ]) {
      expect(shownTarget(`openai:https://h/v1?api-version=1&${name}=S3CRET`)).toBe(
        `openai:https://h/v1?api-version=1&${name}=[redacted]`,
      );
      expect(isSecretParam(name)).toBe(true);
    }
    expect(shownTarget('openai:https://h/v1#access_token=S3CRET')).toBe('openai:https://h/v1#access_token=[redacted]');
    expect(shownTarget('openai:https://h/v1;key=S3CRET')).toBe('openai:https://h/v1;key=[redacted]');
    expect(targetForName(shownTarget('openai:https://h/v1#access_token=S3CRET'))).toBe('openai:https://h/v1');
    for (const name of ['count', 'input', 'api_version', 'api', 'parse_special', 'model', 'tenant', 'monkeys'])
      expect(isSecretParam(name)).toBe(false);
  });

  it('are secret wherever they are in a URL: every value of a repeated one, and in the fragment', () => {
    expect(secretQueryValues(new URL('https://h/v1?key=a1&KEY=b2&x=1#access_token=c3'))).toEqual(['a1', 'b2', 'c3']);
  });
});

describe('targets as shown and named', () => {
  it('redact every credential parameter, whatever its case, and userinfo', () => {
    expect(shownTarget('openai:https://h/v1?api-version=2024-06-01&API-KEY=xyz&Sig=a1')).toBe(
      'openai:https://h/v1?api-version=2024-06-01&API-KEY=[redacted]&Sig=[redacted]',
    );
    expect(shownTarget('gemini:?key=AIza123&count=generate')).toBe('gemini:?key=[redacted]&count=generate');
    expect(shownTarget('openai:http://u:pw@h/v1')).toBe('openai:http://[redacted]@h/v1');
    expect(shownTarget('sim:qwen3?template=house&system=10')).toBe('sim:qwen3?template=house&system=10');
  });

  it('leave credential parameters out of a run directory name', async () => {
    const shown = 'gemini:http://127.0.0.1:9?key=[redacted]&count=generate';
    expect(withholdsCredentials(shown)).toBe(true);
    expect(withholdsCredentials('anthropic:?count=messages')).toBe(false);
    expect(targetForName(shown)).toBe('gemini:http://127.0.0.1:9?count=generate');
    expect(targetForName('openai:https://h/v1?token=[redacted]')).toBe('openai:https://h/v1');
  });
});

describe('resuming with the target given again', () => {
  it('matches each [redacted] of the record to one secret, in a path segment or a parameter, and nothing more', () => {
    expect(isRecordedTarget('openai:https://h/keys/sk-9f2c/v1', 'openai:https://h/keys/[redacted]/v1')).toBe(true);
    expect(isRecordedTarget('openai:https://h/v1?api-key=rotated-1', 'openai:https://h/v1?api-key=[redacted]')).toBe(
      true,
    );
    expect(
      isRecordedTarget('openai:https://h/v1?api-key=a&api-version=2', 'openai:https://h/v1?api-key=[redacted]'),
    ).toBe(false);
    expect(isRecordedTarget('openai:https://h/keys/a/b/v1', 'openai:https://h/keys/[redacted]/v1')).toBe(false);
    expect(isRecordedTarget('openai:https://other/v1', 'openai:https://h/v1')).toBe(false);
    expect(withholdsCredentials('openai:https://h/keys/[redacted]/v1')).toBe(true);
  });
});

describe('run directory names', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tokprint-rundir-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('never hold a credential, even a short one or one given unredacted', () => {
    const dir = createRunDir(root, 'openai:https://h/v1?api-version=2024-06-01&api-key=k9&code=Zx81q', new Date(0));
    expect(basename(dir)).not.toMatch(/k9|Zx81q|redacted|api-key|code/);
    expect(basename(dir)).toContain('api-version-2024-06-01');
  });
});

describe('request URLs', () => {
  it('keep the base URL path and query under every call, the call query last', () => {
    expect(joinUrl('https://h/v1?key=abc&api-version=2024-06-01', { path: 'chat/completions' })).toBe(
      'https://h/v1/chat/completions?key=abc&api-version=2024-06-01',
    );
    expect(
      joinUrl('http://h:8/?key=abc', { path: 'v1beta/models/m:streamGenerateContent', query: { alt: 'sse' } }),
    ).toBe('http://h:8/v1beta/models/m:streamGenerateContent?key=abc&alt=sse');
    expect(joinUrl('https://h/v1/', { path: '/models' })).toBe('https://h/v1/models');
  });

  it('tokenize probes keep the query at the root and under the base path', () => {
    expect(probeBases('https://h/v1?api-key=abc')).toEqual(['https://h/?api-key=abc', 'https://h/v1/?api-key=abc']);
  });

  it('protocol settings and credential parameters are told apart by name', () => {
    expect(splitLocation('http://127.0.0.1:8000?input=messages')).toEqual({
      location: 'http://127.0.0.1:8000',
      settings: { input: 'messages' },
      serverQuery: '',
    });
    expect(splitLocation('?count=messages&key=AIza%2F1')).toEqual({
      location: '',
      settings: { count: 'messages' },
      serverQuery: 'key=AIza%2F1',
    });
  });
});
