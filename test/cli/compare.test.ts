import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine, runCli } from '../helpers/cli.js';
import { realTokenizerFiles, reserialise } from '../helpers/real-tokenizers.js';

let root: string;
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-compare-'));
  const qwen25 = await realTokenizerFiles('qwen2.5');
  const qwen3 = await realTokenizerFiles('qwen3');
  const llama3 = await realTokenizerFiles('llama3');
  await mkdir(join(root, 'qwen2.5'));
  await writeFile(join(root, 'qwen2.5', 'tokenizer.json'), qwen25.main);
  await writeFile(join(root, 'qwen2.5', 'tokenizer_config.json'), qwen25.config);
  await writeFile(join(root, 'qwen3.json'), qwen3.main);
  await writeFile(join(root, 'llama3.json'), llama3.main);
  await writeFile(join(root, 'qwen2.5-copy.json'), reserialise(qwen25.main));
  await writeFile(join(root, 'truncated.json'), qwen25.main.subarray(0, 100_000));
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe('tokprint compare', () => {
  it('prints the verdict first, then the metrics and the added tokens that differ', async () => {
    const { code, stdout, stderr } = await runCli(['compare', 'qwen2.5', 'qwen3.json'], env, root);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('derived: B is derived from A');
    expect(lines[1]).toBe('A: qwen2.5 (hf-json)');
    expect(stdout).toMatch(/^vocabulary overlap +Jaccard 100\.0%, A in B 100\.0%, B in A 100\.0%$/m);
    expect(stdout).toMatch(/^merges +151,387 common .* order kept 100\.0%$/m);
    expect(stdout).toMatch(/^ {2}- 4 added tokens more /m);
    expect(stdout).toContain(
      'added tokens only in B (4): "<tool_response>" (151665), "</tool_response>" (151666), "<think>" (151667), "</think>" (151668)\n',
    );
  });

  it('prints every metric as JSON with --json', async () => {
    const { code, stdout } = await runCli(['compare', 'qwen2.5', 'qwen3.json', '--json'], env, root);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      a: { source: 'qwen2.5', format: 'hf-json', vocabSize: 151_665 },
      b: { source: 'qwen3.json', format: 'hf-json', vocabSize: 151_669 },
      verdict: 'derived',
      base: 'a',
      vocabulary: { jaccard: 1 },
      delta: { vocabularyAdded: 0, mergesRemoved: 0 },
    });
    expect(report.addedTokens.onlyB.map((t: { content: string }) => t.content)).toEqual([
      '<tool_response>',
      '</tool_response>',
      '<think>',
      '</think>',
    ]);
  });

  it('finds a file identical to its re-serialised copy', async () => {
    const { code, stdout } = await runCli(
      ['compare', join(root, 'qwen2.5', 'tokenizer.json'), 'qwen2.5-copy.json'],
      env,
      root,
    );
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('identical: same vocabulary, merges and segmentation');
  });

  it('caps long lists of differing added tokens and says how many more there are', async () => {
    const { code, stdout } = await runCli(['compare', 'qwen2.5', 'llama3.json'], env, root);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^unrelated: /);
    expect(stdout).toMatch(
      /^added tokens only in B \(256\): "<\|begin_of_text\|>" \(128000, special\), .*, … and 244 more$/m,
    );
  });

  it('reports a truncated file in one line and exits 2', async () => {
    const { code, stdout, stderr } = await runCli(['compare', 'truncated.json', 'qwen3.json'], env, root);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(isOneLine(stderr)).toBe(true);
    expect(stderr).toMatch(/truncated\.json is not valid JSON/);
  });

  it('reports a missing file in one line and exits 2', async () => {
    const { code, stderr } = await runCli(['compare', 'qwen3.json', 'nowhere.json'], env, root);
    expect(code).toBe(2);
    expect(isOneLine(stderr)).toBe(true);
    expect(stderr).toMatch(/nowhere\.json does not exist/);
  });
});
