import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedLoopbackEndpoint, startFakeHub, type FakeHub } from '../../helpers/fake-hf-hub.js';
import { qwen25Files, type RealTokenizerFiles } from '../../helpers/real-tokenizer.js';
import {
  downloadHfFile,
  HfNotFoundError,
  hfHubOptions,
  hfResolveUrl,
  DEFAULT_HF_ENDPOINT,
} from '../../../src/references/store/hf-hub.js';
import { UserError } from '../../../src/util/errors.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const TOKEN = 'hf_test_secret_token_value';
let hub: FakeHub;
let qwen: RealTokenizerFiles;

beforeAll(async () => {
  qwen = await qwen25Files();
  const small = new TextEncoder().encode('{"small": true}');
  hub = await startFakeHub({
    'acme/open': { commit: COMMIT, files: { 'tokenizer.json': qwen.tokenizerJson, 'small.json': small } },
    'acme/gated': {
      commit: COMMIT,
      token: TOKEN,
      files: { 'tokenizer.json': qwen.tokenizerJson, 'small.json': small },
    },
    // a hostile or careless mirror that writes the caller's token into a file it serves
    'acme/echo': {
      commit: COMMIT,
      token: TOKEN,
      files: {
        'tokenizer.json': new TextEncoder().encode(`{"model": {"vocab": {"${encodeURIComponent(TOKEN)}": 0}}}`),
      },
    },
    'acme/echo-base64': {
      commit: COMMIT,
      token: TOKEN,
      files: {
        'tokenizer.json': new TextEncoder().encode(
          `{"model": {"vocab": {"${Buffer.from(`Bearer ${TOKEN}`).toString('base64')}": 0}}}`,
        ),
      },
    },
  });
});
afterAll(() => hub?.close());

async function failure(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe('hub settings', () => {
  it('defaults to the public hub and takes HF_ENDPOINT and HF_TOKEN from the given environment', () => {
    expect(hfHubOptions({})).toEqual({ endpoint: DEFAULT_HF_ENDPOINT, token: undefined });
    expect(hfHubOptions({ HF_ENDPOINT: 'http://127.0.0.1:9/', HF_TOKEN: 't' })).toEqual({
      endpoint: 'http://127.0.0.1:9',
      token: 't',
    });
  });

  it('builds the resolve URL layout', () => {
    expect(hfResolveUrl('http://h', 'org/repo', 'main', 'sub dir/tokenizer.json').href).toBe(
      'http://h/org/repo/resolve/main/sub%20dir/tokenizer.json',
    );
  });
});

describe('downloadHfFile', () => {
  it('downloads a large file through the CDN redirect and reports the commit the revision resolved to', async () => {
    const file = await downloadHfFile({ endpoint: hub.endpoint }, 'acme/open', 'main', 'tokenizer.json');
    expect(Buffer.from(file.bytes).equals(Buffer.from(qwen.tokenizerJson))).toBe(true);
    expect(file.commit).toBe(COMMIT);
  });

  it('sends the token to the hub but not to the CDN on another origin', async () => {
    hub.hubRequests.length = 0;
    hub.cdnRequests.length = 0;
    await downloadHfFile({ endpoint: hub.endpoint, token: TOKEN }, 'acme/gated', 'main', 'tokenizer.json');
    expect(hub.hubRequests).toEqual([
      { path: '/acme/gated/resolve/main/tokenizer.json', authorization: `Bearer ${TOKEN}` },
    ]);
    expect(hub.cdnRequests).toHaveLength(1);
    expect(hub.cdnRequests[0].authorization).toBeUndefined();
  });

  it('keeps the token across a same-origin relative redirect', async () => {
    hub.hubRequests.length = 0;
    const file = await downloadHfFile({ endpoint: hub.endpoint, token: TOKEN }, 'acme/gated', 'main', 'small.json');
    expect(new TextDecoder().decode(file.bytes)).toBe('{"small": true}');
    expect(hub.hubRequests.map((r) => [r.path, r.authorization])).toEqual([
      ['/acme/gated/resolve/main/small.json', `Bearer ${TOKEN}`],
      [`/acme/gated/resolve/${COMMIT}/small.json`, `Bearer ${TOKEN}`],
    ]);
    expect(file.commit).toBe(COMMIT);
  });

  it('explains a gated repository without a token, and never shows a wrong token', async () => {
    const without = await failure(downloadHfFile({ endpoint: hub.endpoint }, 'acme/gated', 'main', 'tokenizer.json'));
    expect(without.message).toMatch(/gated or private: set HF_TOKEN/);
    const wrong = await failure(
      downloadHfFile({ endpoint: hub.endpoint, token: 'hf_wrong_value' }, 'acme/gated', 'main', 'tokenizer.json'),
    );
    expect(wrong.message).toMatch(/HF_TOKEN has no access/);
    expect(wrong.message).not.toContain('hf_wrong_value');
  });

  it('reports a missing file, revision or repository as not found, saying which', async () => {
    const cases: [string, string, string, string, boolean][] = [
      ['acme/open', 'main', 'nope.json', 'hf:acme/open@main/nope.json: not found', true],
      ['acme/open', 'v9', 'tokenizer.json', 'hf:acme/open@v9: revision not found', false],
      ['acme/none', 'main', 'tokenizer.json', 'hf:acme/none: repository not found', false],
    ];
    for (const [repo, revision, path, message, fileOnly] of cases) {
      const error = await failure(downloadHfFile({ endpoint: hub.endpoint }, repo, revision, path));
      expect(error).toBeInstanceOf(HfNotFoundError);
      expect(error.message).toContain(message);
      expect((error as HfNotFoundError).fileOnly).toBe(fileOnly);
    }
  });

  it('reports an unreachable hub in one line, without the token', async () => {
    const endpoint = await closedLoopbackEndpoint();
    const error = await failure(downloadHfFile({ endpoint, token: TOKEN }, 'acme/open', 'main', 'tokenizer.json'));
    expect(error.message).toMatch(/^could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).not.toContain('\n');
  });

  it('refuses, exit 2, a file that holds the HF_TOKEN it was fetched with, rather than store the token', async () => {
    const error = await failure(
      downloadHfFile({ endpoint: hub.endpoint, token: TOKEN }, 'acme/echo', 'main', 'tokenizer.json'),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/hf:acme\/echo@main\/tokenizer\.json: the hub's answer holds your HF_TOKEN/);
    expect(error.message).not.toContain(TOKEN);
  });

  it('refuses the same file when the token comes back base64-encoded inside the whole Authorization header', async () => {
    const error = await failure(
      downloadHfFile({ endpoint: hub.endpoint, token: TOKEN }, 'acme/echo-base64', 'main', 'tokenizer.json'),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/hf:acme\/echo-base64@main\/tokenizer\.json: the hub's answer holds your HF_TOKEN/);
  });

  it('refuses an HF_ENDPOINT that is not an http(s) URL or holds credentials, in one line without them, before any request', async () => {
    const port = new URL(hub.endpoint).port;
    const before = hub.hubRequests.length;
    for (const [endpoint, problem] of [
      ['not a url', 'is not a URL'],
      [`ftp://127.0.0.1:${port}`, 'must be an http or https URL'],
      [`http://user:hub-pa55word@127.0.0.1:${port}`, 'must not hold credentials'],
    ]) {
      const error = await failure(downloadHfFile({ endpoint, token: TOKEN }, 'acme/open', 'main', 'tokenizer.json'));
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain(problem);
      expect(error.message).not.toContain('hub-pa55word');
      expect(error.message).not.toContain(TOKEN);
    }
    expect(hub.hubRequests.length).toBe(before);
  });

  it('refuses a malformed repository id before any request', async () => {
    const error = await failure(downloadHfFile({ endpoint: hub.endpoint }, '../etc', 'main', 'x'));
    expect(error.message).toMatch(/not a Hugging Face repository id/);
  });
});
