import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { runCli } from '../helpers/cli.js';
import { committedEntry } from '../helpers/manifest-references.js';
import { extendVocabulary } from '../helpers/real-tokenizers.js';

describe('tokprint identify <tokenizer files>', () => {
  let dir: string;
  const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, TOKPRINT_CACHE: process.env.TOKPRINT_CACHE ?? cacheDir(), TOKPRINT_HOME: join(dir, 'home') });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tokprint-white-box-'));
    const files = await fetchReferenceFiles(committedEntry('llama3'), { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() });
    await writeFile(join(dir, 'llama3.json'), files.main);
    await writeFile(join(dir, 'extended.json'), extendVocabulary(files.main, 3000).bytes);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('matches a reference tokenizer file to its class, sending nothing', async () => {
    const result = await runCli(['identify', 'llama3.json', '--json', '--out', join(dir, 'runs')], env(), dir);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.verdict).toMatchObject({ status: 'match', family: 'llama3' });
    expect(json.verdict.class).toEqual(expect.arrayContaining(['llama3', 'llama3.1']));
    expect(json.queries).toBe(0);
  });

  it('calls a vocabulary extension derived from its base', async () => {
    const result = await runCli(['identify', 'extended.json', '--json', '--out', join(dir, 'runs')], env(), dir);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).verdict).toMatchObject({ status: 'derived', family: 'llama3' });
  });

  it('refuses a missing path with one line and exit 2', async () => {
    const result = await runCli(['identify', 'missing/tokenizer.json', '--out', join(dir, 'runs')], env(), dir);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/missing/);
  });
});
