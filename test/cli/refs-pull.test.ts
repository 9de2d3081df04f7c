import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { closedLoopbackEndpoint, startFakeHub, type FakeHub } from '../helpers/fake-hf-hub.js';
import { qwen25Files, type RealTokenizerFiles } from '../helpers/real-tokenizer.js';
import type { ReferenceEntry } from '../../src/references/manifest.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { pinnedPath } from '../../src/references/store/pinned-cache.js';
import { sha256Hex } from '../../src/util/hash.js';

const COMMIT = '5555555555666666666677777777778888888888';
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
  });
});
afterAll(() => hub?.close());
beforeEach(async () => void (box = await makeSandbox({ HF_ENDPOINT: hub.endpoint })));
afterEach(() => box.remove());

function hfEntry(id: string, main: { path: string; sha256: string }, config = true): ReferenceEntry {
  return {
    id,
    family: 'qwen2',
    publisher: 'Acme',
    jurisdiction: 'US',
    license: 'MIT',
    models: [],
    format: 'hf-json',
    source: {
      kind: 'hf',
      repo: 'acme/open',
      revision: COMMIT,
      files: { main, ...(config && { config: { path: 'tokenizer_config.json', sha256: qwen.sha256.config } }) },
    },
  };
}

async function writeUserIndex(entries: ReferenceEntry[]): Promise<void> {
  await mkdir(join(box.home, 'index'), { recursive: true });
  await writeFile(join(box.home, 'index', 'manifest.json'), JSON.stringify({ schema: 1, references: entries }));
}

const good = () => hfEntry('acme-good', { path: 'tokenizer.json', sha256: qwen.sha256.main });

describe('tokprint refs pull', () => {
  it('fetches from the hub, then finds the files cached', async () => {
    await writeUserIndex([good()]);
    expect(await runCli(['refs', 'pull', 'acme-good'], box.env)).toEqual({
      code: 0,
      stdout: 'acme-good: fetched\n',
      stderr: '',
    });
    expect(sha256Hex(await readFile(pinnedPath(box.cache, qwen.sha256.main)))).toBe(qwen.sha256.main);
    expect(await runCli(['refs', 'pull', 'acme-good'], box.env)).toEqual({
      code: 0,
      stdout: 'acme-good: cached\n',
      stderr: '',
    });
  });

  it('fetches a corrupt cached file again', async () => {
    await writeUserIndex([good()]);
    await runCli(['refs', 'pull', 'acme-good'], box.env);
    const path = pinnedPath(box.cache, qwen.sha256.main);
    await writeFile(path, qwen.tokenizerJson.subarray(0, 1000));
    expect((await runCli(['refs', 'show', 'acme-good'], box.env)).stdout).toMatch(/main file .* corrupt/);
    expect(await runCli(['refs', 'pull', 'acme-good'], box.env)).toEqual({
      code: 0,
      stdout: 'acme-good: fetched (the cached copy was corrupt)\n',
      stderr: '',
    });
    expect(sha256Hex(await readFile(path))).toBe(qwen.sha256.main);
  });

  it('reports each failure on its own line, keeps going, caches nothing wrong and exits 2', async () => {
    const wrongPin = hfEntry('acme-wrong-pin', { path: 'tokenizer.json', sha256: 'b'.repeat(64) }, false);
    const missingFile = hfEntry('acme-missing-file', { path: 'nope/tokenizer.json', sha256: qwen.sha256.main }, false);
    const local: ReferenceEntry = {
      ...good(),
      id: 'acme-local',
      source: {
        kind: 'local',
        origin: '/gone/tokenizer.json',
        files: { main: { path: 'tokenizer.json', sha256: 'c'.repeat(64) } },
      },
    };
    await writeUserIndex([wrongPin, missingFile, local, good()]);
    const result = await runCli(
      ['refs', 'pull', 'acme-wrong-pin', 'acme-missing-file', 'acme-local', 'acme-good'],
      box.env,
    );
    expect(result.code).toBe(2);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^acme-wrong-pin: failed: .*sha256 mismatch \(expected b{64}, got c0382117/);
    expect(lines[1]).toMatch(
      /^acme-missing-file: failed: hf:acme\/open@5{10}6{10}7{10}8{10}\/nope\/tokenizer\.json: not found/,
    );
    expect(lines[2]).toMatch(/^acme-local: failed: .*came from a local file .*add it again/);
    expect(lines[3]).toBe('acme-good: fetched');
    expect(result.stderr).toBe('tokprint: 3 of 4 references failed\n');
    expect((await box.files()).sort()).toEqual(
      [
        'home/index/manifest.json',
        `cache/sha256/${qwen.sha256.main.slice(0, 2)}/${qwen.sha256.main}`,
        `cache/sha256/${qwen.sha256.config.slice(0, 2)}/${qwen.sha256.config}`,
      ].sort(),
    );
  });

  it('reports an unreachable hub as a failure, exit 2', async () => {
    await writeUserIndex([good()]);
    const result = await runCli(['refs', 'pull', 'acme-good'], {
      ...box.env,
      HF_ENDPOINT: await closedLoopbackEndpoint(),
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      /^acme-good: failed: could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*\n$/,
    );
    expect(await box.files()).toEqual(['home/index/manifest.json']);
  });

  it('refuses an unknown id, naming close ones, before pulling anything', async () => {
    await writeUserIndex([good()]);
    const result = await runCli(['refs', 'pull', 'acme-goo', 'acme-good'], box.env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(/unknown reference "acme-goo"; did you mean acme-good/);
  });

  it('pulls every reference, built-in ones included, when no id is given', async () => {
    // The shared cache already holds the built-in references (the test setup fills it), so this stays offline for them.
    const shared = { ...box.env, TOKPRINT_CACHE: process.env.TOKPRINT_CACHE ?? cacheDir() };
    const result = await runCli(['refs', 'pull'], shared);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^qwen2\.5: cached$/m);
  });
});
