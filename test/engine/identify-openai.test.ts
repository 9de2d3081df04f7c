import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { engineServer } from './engine-fixture.js';

/**
 * tokprint against an OpenAI-compatible server whose template, tokenization and usage counts are all
 * llama.cpp's own: nothing on the serving side uses tokprint's tokenizers.
 */
describe.each([
  ['qwen2.5', 'qwen2'],
  ['deepseek-v3', 'deepseek-v3'],
] as const)('identify openai: against llama.cpp serving a tiny %s model', (reference, family) => {
  const fixture = engineServer(reference);
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
    OPENAI_API_KEY: 'sk-test-engine',
  };

  it('finds the family from usage counts alone', async () => {
    const out = await mkdtemp(join(tmpdir(), 'tokprint-engine-'));
    dirs.push(out);
    const result = await runCli(
      [
        'identify',
        `openai:${fixture.server.url}/v1`,
        '--model',
        `tiny-${reference}`,
        '--json',
        '--out',
        out,
        '--no-cache',
        '--quiet',
        '--no-detect-tokenize',
        '--channels',
        'usage',
      ],
      env,
    );
    expect(result.stderr).not.toMatch(/internal error/);
    const json = JSON.parse(result.stdout);
    expect(json.verdict.status).toBe('match');
    expect(json.verdict.family).toBe(family);
    expect(json.verdict.class).toContain(reference);
    expect(result.code).toBe(0);
  });

  it("detects llama-server's /tokenize, counts through it without billing a completion, and finds the family", async () => {
    const out = await mkdtemp(join(tmpdir(), 'tokprint-engine-'));
    dirs.push(out);
    const result = await runCli(
      [
        'identify',
        `openai:${fixture.server.url}/v1`,
        '--model',
        `tiny-${reference}`,
        '--json',
        '--out',
        out,
        '--no-cache',
        '--quiet',
        '--channels',
        'usage',
      ],
      env,
    );
    expect(result.stderr).not.toMatch(/internal error/);
    const json = JSON.parse(result.stdout);
    expect(json.verdict.family).toBe(family);
    expect(json.verdict.class).toContain(reference);
    const [name] = await readdir(out);
    const config = JSON.parse(readFileSync(join(out, name!, 'config.json'), 'utf8'));
    expect(config.description).toContain('channel: tokenize (llamacpp)');
    const sent = readFileSync(join(out, name!, 'transcript.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.kind === 'http-request');
    expect(sent.filter((e) => e.url.endsWith('/chat/completions'))).toEqual([]);
    expect(sent.filter((e) => e.url.endsWith('/tokenize')).length).toBeGreaterThan(json.queries);
  });
});
