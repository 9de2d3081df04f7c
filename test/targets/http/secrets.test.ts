import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunDir } from '../../../src/report/run-dir.js';
import { splitLocation } from '../../../src/targets/http/api-schemes.js';
import { joinUrl } from '../../../src/targets/http/executor.js';
import { Redactor, shownTarget, targetForName, withholdsCredentials } from '../../../src/targets/http/secrets.js';
import { probeBases } from '../../../src/targets/http/tokenize-detect.js';

const KEY = 'sk-proj/Ab"c\\d=e+f 9';

describe('Redactor', () => {
  it('removes a secret as sent, JSON-escaped, URL-encoded and form-encoded', () => {
    const r = Redactor.from({ apiKey: KEY });
    const text = [KEY, JSON.stringify(KEY), JSON.stringify(KEY).replace(/\//g, '\\/'), encodeURIComponent(KEY), new URLSearchParams({ k: KEY }).toString()].join(' | ');
    const out = r.text(text);
    expect(out).toBe('[redacted] | "[redacted]" | "[redacted]" | [redacted] | k=[redacted]');
  });

  it('removes userinfo, its password and the Basic credential built from it', () => {
    const r = Redactor.from({ userinfo: { username: 'alice', password: 'p%40ss-w0rd' } });
    const basic = Buffer.from('alice:p@ss-w0rd').toString('base64');
    expect(r.text(`Authorization: Basic ${basic}; echoed p@ss-w0rd`)).toBe('Authorization: Basic [redacted]; echoed [redacted]');
  });

  it('keeps JSON valid and scrubs keys and values of a whole answer', () => {
    const r = Redactor.from({ apiKey: 'sk-abcdef', queryValues: ['q-secret-1'] });
    const value = { usage: { prompt_tokens: 12 }, echo: ['Bearer sk-abcdef', { 'q-secret-1': 'x' }], url: 'http://h/v1?key=q-secret-1' };
    expect(r.value(value)).toEqual({ usage: { prompt_tokens: 12 }, echo: ['Bearer [redacted]', { '[redacted]': 'x' }], url: 'http://h/v1?key=[redacted]' });
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

  it('tags credentials with a keyed hash that differs per key and reveals none', () => {
    const a = Redactor.from({ apiKey: 'sk-aaaaaaaa' }).credentialTag();
    expect(a).not.toBe(Redactor.from({ apiKey: 'sk-bbbbbbbb' }).credentialTag());
    expect(a).not.toBe(Redactor.from({}).credentialTag());
    expect(a).not.toContain('aaaa');
  });
});

describe('targets as shown and named', () => {
  it('redact every credential parameter, whatever its case, and userinfo', () => {
    expect(shownTarget('openai:https://h/v1?api-version=2024-06-01&API-KEY=xyz&Sig=a1')).toBe('openai:https://h/v1?api-version=2024-06-01&API-KEY=[redacted]&Sig=[redacted]');
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
    expect(joinUrl('https://h/v1?key=abc&api-version=2024-06-01', { path: 'chat/completions' })).toBe('https://h/v1/chat/completions?key=abc&api-version=2024-06-01');
    expect(joinUrl('http://h:8/?key=abc', { path: 'v1beta/models/m:streamGenerateContent', query: { alt: 'sse' } })).toBe('http://h:8/v1beta/models/m:streamGenerateContent?key=abc&alt=sse');
    expect(joinUrl('https://h/v1/', { path: '/models' })).toBe('https://h/v1/models');
  });

  it('tokenize probes keep the query at the root and under the base path', () => {
    expect(probeBases('https://h/v1?api-key=abc')).toEqual(['https://h/?api-key=abc', 'https://h/v1/?api-key=abc']);
  });

  it('protocol settings and credential parameters are told apart by name', () => {
    expect(splitLocation('http://127.0.0.1:8000?input=messages')).toEqual({ location: 'http://127.0.0.1:8000', settings: { input: 'messages' }, serverQuery: '' });
    expect(splitLocation('?count=messages&key=AIza%2F1')).toEqual({ location: '', settings: { count: 'messages' }, serverQuery: 'key=AIza%2F1' });
  });
});
