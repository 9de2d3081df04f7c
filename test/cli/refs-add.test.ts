import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { closedLoopbackEndpoint, startFakeHub, type FakeHub } from '../helpers/fake-hf-hub.js';
import { qwen25Files, type RealTokenizerFiles } from '../helpers/real-tokenizer.js';
import { tiktokenRanks } from '../helpers/tiktoken-fixture.js';
import { pinnedPath } from '../../src/references/store/pinned-cache.js';
import { writeGguf } from '../../src/references/formats/gguf-write.js';
import { ggufTokenizerMetadata } from '../../src/references/formats/hf-to-gguf.js';
import { sha256Hex } from '../../src/util/hash.js';

const COMMIT = '1111111111222222222233333333334444444444';
const TOKEN = 'hf_secret_for_tests_only';
let qwen: RealTokenizerFiles;
let hub: FakeHub;
let box: Sandbox;

beforeAll(async () => {
  qwen = await qwen25Files();
  hub = await startFakeHub({
    'acme/open': {
      commit: COMMIT,
      files: { 'tokenizer.json': qwen.tokenizerJson, 'tokenizer_config.json': qwen.tokenizerConfig },
    },
    'acme/gated': { commit: COMMIT, token: TOKEN, files: { 'tokenizer.json': qwen.tokenizerJson } },
  });
});
afterAll(() => hub?.close());
beforeEach(async () => void (box = await makeSandbox({ HF_ENDPOINT: hub.endpoint })));
afterEach(() => box.remove());

const userManifest = async () => JSON.parse(await readFile(join(box.home, 'index', 'manifest.json'), 'utf8'));

describe('tokprint refs add', () => {
  it('adds a tokenizer.json file: cached by sha256, entry written, one summary line', async () => {
    await writeFile(join(box.root, 'tokenizer.json'), qwen.tokenizerJson);
    const result = await runCli(
      [
        'refs',
        'add',
        'tokenizer.json',
        '--id',
        'acme-7b',
        '--family',
        'qwen2',
        '--publisher',
        'Acme',
        '--jurisdiction',
        'US',
        '--license',
        'MIT',
        '--model',
        'Acme 7B',
        '--model',
        'Acme 7B Chat',
      ],
      box.env,
      box.root,
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /^added acme-7b \(qwen2, hf-json, 151665 ids\) from local:.*tokenizer\.json to .*manifest\.json\n$/,
    );
    const [entry] = (await userManifest()).references;
    expect(entry).toMatchObject({
      id: 'acme-7b',
      family: 'qwen2',
      publisher: 'Acme',
      jurisdiction: 'US',
      license: 'MIT',
      models: ['Acme 7B', 'Acme 7B Chat'],
      format: 'hf-json',
      source: {
        kind: 'local',
        origin: join(box.root, 'tokenizer.json'),
        files: { main: { path: 'tokenizer.json', sha256: qwen.sha256.main } },
      },
    });
    expect(sha256Hex(await readFile(pinnedPath(box.cache, qwen.sha256.main)))).toBe(qwen.sha256.main);

    const show = await runCli(['refs', 'show', 'acme-7b'], box.env);
    expect(show.stdout).toMatch(new RegExp(`main file +tokenizer\\.json sha256 ${qwen.sha256.main} cached`));
    expect(show.stdout).toMatch(/index +user \(/);
  });

  it('adds a model directory with its tokenizer_config.json', async () => {
    const dir = join(box.root, 'Acme-7B');
    await mkdir(dir);
    await writeFile(join(dir, 'tokenizer.json'), qwen.tokenizerJson);
    await writeFile(join(dir, 'tokenizer_config.json'), qwen.tokenizerConfig);
    await writeFile(join(dir, 'config.json'), '{}');
    const result = await runCli(['refs', 'add', dir, '--id', 'acme-dir', '--family', 'qwen2'], box.env);
    expect(result.code).toBe(0);
    const [entry] = (await userManifest()).references;
    expect(entry.source.files.config).toEqual({ path: 'tokenizer_config.json', sha256: qwen.sha256.config });
    expect((await box.files()).sort()).toEqual(
      [
        'home/index/manifest.json',
        `cache/sha256/${qwen.sha256.main.slice(0, 2)}/${qwen.sha256.main}`,
        `cache/sha256/${qwen.sha256.config.slice(0, 2)}/${qwen.sha256.config}`,
      ].sort(),
    );
  });

  it('adds hf:org/repo pinned to the commit the hub resolved, then pulls it from the cache', async () => {
    const result = await runCli(['refs', 'add', 'hf:acme/open', '--id', 'acme-hf', '--family', 'qwen2'], box.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`from hf:acme/open@${COMMIT}/tokenizer.json`);
    const [entry] = (await userManifest()).references;
    expect(entry.source).toEqual({
      kind: 'hf',
      repo: 'acme/open',
      revision: COMMIT,
      files: {
        main: { path: 'tokenizer.json', sha256: qwen.sha256.main },
        config: { path: 'tokenizer_config.json', sha256: qwen.sha256.config },
      },
    });
    expect(await runCli(['refs', 'pull', 'acme-hf'], box.env)).toEqual({
      code: 0,
      stdout: 'acme-hf: cached\n',
      stderr: '',
    });
  });

  it('adds a gated repository with HF_TOKEN, and the token is written nowhere', async () => {
    const env = { ...box.env, HF_TOKEN: TOKEN };
    const result = await runCli(['refs', 'add', 'hf:acme/gated', '--id', 'acme-gated', '--family', 'qwen2'], env);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(await readFile(join(box.home, 'index', 'manifest.json'), 'utf8')).not.toContain(TOKEN);
    expect((await box.files()).join('\n')).not.toContain(TOKEN);
  });

  it('adds a GGUF file found by content in a model directory, and refuses a truncated one', async () => {
    const json = JSON.parse(new TextDecoder().decode(qwen.tokenizerJson));
    const gguf = writeGguf(ggufTokenizerMetadata(json, undefined, { pre: 'qwen2', name: 'acme' }));
    const dir = join(box.root, 'acme-gguf');
    await mkdir(dir);
    await writeFile(join(dir, 'acme-q4.gguf'), gguf);
    await writeFile(join(dir, 'tokenizer_config.json'), qwen.tokenizerConfig);
    const result = await runCli(['refs', 'add', dir, '--id', 'acme-gguf', '--family', 'qwen2'], box.env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const [entry] = (await userManifest()).references;
    // pinned by its metadata header: the file's start, up to the alignment padding before the (here absent) tensors
    const header = await readFile(pinnedPath(box.cache, entry.source.files.main.sha256));
    expect(header.length).toBeGreaterThan(gguf.length - 32);
    expect(Buffer.from(gguf.subarray(0, header.length)).equals(header)).toBe(true);
    expect(entry).toMatchObject({
      format: 'gguf',
      source: { kind: 'local', files: { main: { path: 'acme-q4.gguf', sha256: sha256Hex(header) } } },
    });
    expect(entry.source.files.config).toBeUndefined();

    const before = await box.files();
    await writeFile(join(box.root, 'cut.gguf'), gguf.subarray(0, gguf.length / 2));
    const cut = await runCli(['refs', 'add', 'cut.gguf', '--id', 'acme-cut', '--family', 'qwen2'], box.env, box.root);
    expect(cut.code).toBe(2);
    expect(isOneLine(cut.stderr)).toBe(true);
    expect(await box.files()).toEqual(before);
  });

  it('adds a tiktoken rank file with a named preset', async () => {
    await writeFile(join(box.root, 'ranks.tiktoken'), tiktokenRanks());
    const result = await runCli(
      ['refs', 'add', 'ranks.tiktoken', '--id', 'tiny-cl100k', '--family', 'cl100k', '--tiktoken-preset', 'cl100k'],
      box.env,
      box.root,
    );
    expect(result.code).toBe(0);
    const [entry] = (await userManifest()).references;
    expect(entry.format).toBe('tiktoken');
    expect(entry.tiktoken.specialTokens['<|endoftext|>']).toBe(100257);
    expect(result.stdout).toContain('100277 ids');
  });

  it('adds a Kimi-style model directory: published pattern, special tokens named by tokenizer_config.json', async () => {
    const dir = join(box.root, 'kimi');
    await mkdir(dir);
    const ranks = tiktokenRanks();
    await writeFile(join(dir, 'tiktoken.model'), ranks);
    const first = 256 + 8;
    await writeFile(
      join(dir, 'tokenizer_config.json'),
      JSON.stringify({
        added_tokens_decoder: {
          [first]: { content: '[BOS]', special: true },
          [first + 1]: { content: '[EOS]', special: true },
        },
      }),
    );
    const result = await runCli(
      ['refs', 'add', dir, '--id', 'kimi-tiny', '--family', 'kimi-k2', '--tiktoken-preset', 'kimi-k2'],
      box.env,
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const [entry] = (await userManifest()).references;
    expect(entry.tiktoken.pattern).toContain('&&[^\\p{Han}]');
    expect(entry.tiktoken.specialTokens['[BOS]']).toBe(first);
    expect(entry.tiktoken.specialTokens[`<|reserved_token_${first + 2}|>`]).toBe(first + 2);
    expect(Object.keys(entry.tiktoken.specialTokens)).toHaveLength(258);
  });
});

describe('tokprint refs add: bad input leaves nothing behind', () => {
  const cases: [string, (box: Sandbox) => Promise<string[]>, RegExp][] = [
    [
      'malformed JSON',
      async (b) => (await writeFile(join(b.root, 't.json'), '{"model": {"vocab": {"a": 0,}}}'), ['t.json']),
      /t\.json is not valid JSON/,
    ],
    [
      'a truncated tokenizer.json',
      async (b) => (
        await writeFile(join(b.root, 'tokenizer.json'), qwen.tokenizerJson.subarray(0, 100_000)), ['tokenizer.json']
      ),
      /is not valid JSON .*truncated/,
    ],
    [
      'an unknown format',
      async (b) => (await writeFile(join(b.root, 'vocab.txt'), 'hello world\n'), ['vocab.txt']),
      /unknown tokenizer format/,
    ],
    ['a missing file', async () => ['nope/tokenizer.json'], /does not exist/],
    [
      'a tiktoken file without a pattern',
      async (b) => (await writeFile(join(b.root, 'r.tiktoken'), tiktokenRanks()), ['r.tiktoken']),
      /pass --tiktoken-preset/,
    ],
    [
      'an unknown preset',
      async (b) => (
        await writeFile(join(b.root, 'r.tiktoken'), tiktokenRanks()), ['r.tiktoken', '--tiktoken-preset', 'gpt9']
      ),
      /unknown --tiktoken-preset "gpt9"/,
    ],
    [
      'a truncated tiktoken file',
      async (b) => (
        await writeFile(join(b.root, 'r.tiktoken'), tiktokenRanks().subarray(0, 600)),
        ['r.tiktoken', '--tiktoken-preset', 'cl100k']
      ),
      /tiktoken/,
    ],
    ['a gated repository without a token', async () => ['hf:acme/gated'], /gated or private: set HF_TOKEN/],
    ['a missing repository', async () => ['hf:acme/nothing'], /hf:acme\/nothing: repository not found/],
    ['a missing revision', async () => ['hf:acme/open@v2'], /hf:acme\/open@v2: revision not found/],
    ['a bad id', async () => ['hf:acme/open', '--id', 'Bad Id'], /--id "Bad Id" must be lowercase/],
    ['a built-in id', async () => ['hf:acme/open', '--id', 'qwen2.5'], /"qwen2\.5" is a built-in reference/],
  ];
  for (const [what, prepare, message] of cases) {
    it(`refuses ${what} with one line and exit 2`, async () => {
      const args = await prepare(box);
      const extra = args.includes('--id') ? [] : ['--id', 'x-ref'];
      const result = await runCli(['refs', 'add', ...args, ...extra, '--family', 'qwen2'], box.env, box.root);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(isOneLine(result.stderr)).toBe(true);
      expect(result.stderr).toMatch(message);
      expect(await box.files()).toEqual([]);
    });
  }

  it('refuses an unreachable hub with one line and exit 2', async () => {
    const env = { ...box.env, HF_ENDPOINT: await closedLoopbackEndpoint(), HF_TOKEN: TOKEN };
    const result = await runCli(['refs', 'add', 'hf:acme/open', '--id', 'x-ref', '--family', 'qwen2'], env);
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(/could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(result.stderr).not.toContain(TOKEN);
    expect(await box.files()).toEqual([]);
  });

  it('refuses a second reference with the same id and keeps the first intact', async () => {
    await writeFile(join(box.root, 'tokenizer.json'), qwen.tokenizerJson);
    expect(
      (await runCli(['refs', 'add', 'tokenizer.json', '--id', 'same', '--family', 'qwen2'], box.env, box.root)).code,
    ).toBe(0);
    const before = await readFile(join(box.home, 'index', 'manifest.json'), 'utf8');
    const files = await box.files();
    const again = await runCli(
      ['refs', 'add', 'tokenizer.json', '--id', 'same', '--family', 'qwen2'],
      box.env,
      box.root,
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^tokprint: reference id "same" is already in .*; choose another --id\n$/);
    expect(await readFile(join(box.home, 'index', 'manifest.json'), 'utf8')).toBe(before);
    expect(await box.files()).toEqual(files);
    expect(sha256Hex(await readFile(pinnedPath(box.cache, qwen.sha256.main)))).toBe(qwen.sha256.main);
  });
});
