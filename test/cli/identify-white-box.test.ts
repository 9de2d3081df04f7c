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
  const env = () => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOKPRINT_CACHE: process.env.TOKPRINT_CACHE ?? cacheDir(),
    TOKPRINT_HOME: join(dir, 'home'),
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tokprint-white-box-'));
    const files = await fetchReferenceFiles(committedEntry('llama3'), {
      cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir(),
    });
    await writeFile(join(dir, 'llama3.json'), files.main);
    await writeFile(join(dir, 'extended.json'), extendVocabulary(files.main, 3000).bytes);
    // Qwen2.5 with its split regex dropped: a bare ByteLevel step, as in GPT-2's tokenizer.json
    const qwen = await fetchReferenceFiles(committedEntry('qwen2.5'), {
      cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir(),
    });
    const json = JSON.parse(new TextDecoder().decode(qwen.main));
    json.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
    await writeFile(join(dir, 'qwen2.5.json'), qwen.main);
    await writeFile(join(dir, 'qwen2.5-bytelevel.json'), JSON.stringify(json));
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

  it('names the reference with the same vocabulary and merges, and the pre-tokenizer change, before any family it contains', async () => {
    const result = await runCli(
      ['identify', 'qwen2.5-bytelevel.json', '--json', '--out', join(dir, 'runs')],
      env(),
      dir,
    );
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.verdict).toMatchObject({ status: 'derived', reference: 'qwen2.5', family: 'qwen2' });
    const own = json.candidates.find((c: { reference: string }) => c.reference === 'qwen2.5');
    expect(own.comparison).toMatchObject({
      verdict: 'derived',
      sameVocabularyAndMerges: true,
      changes: ['pre-tokenizer changed'],
    });
    const text = await runCli(['identify', 'qwen2.5-bytelevel.json', '--out', join(dir, 'runs')], env(), dir);
    expect(text.stdout.split('\n')[1]).toMatch(/^derived: qwen2\.5, family qwen2/);
    expect(text.stdout).not.toMatch(/^derived: cl100k/m);
  });

  it('compare says the two files share vocabulary and merges and names the pre-tokenizer change', async () => {
    const result = await runCli(['compare', 'qwen2.5.json', 'qwen2.5-bytelevel.json'], env(), dir);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(
      'derived: A and B have the same vocabulary and merges (pre-tokenizer changed)',
    );
    const json = JSON.parse(
      (await runCli(['compare', 'qwen2.5.json', 'qwen2.5-bytelevel.json', '--json'], env(), dir)).stdout,
    );
    expect(json).toMatchObject({
      verdict: 'derived',
      sameVocabularyAndMerges: true,
      preTokenizerEqual: false,
      normalizerEqual: true,
    });
  });

  it('refuses a missing path with one line and exit 2', async () => {
    const result = await runCli(['identify', 'missing/tokenizer.json', '--out', join(dir, 'runs')], env(), dir);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/missing/);
  });
});
