import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { engineServer } from './engine-fixture.js';

/**
 * Each answer channel alone against llama.cpp serving a tiny random-weight Qwen2.5 model: the output
 * tokens (sampled with a temperature and a seed so they vary) are llama.cpp's, streamed one chunk per
 * whole character run, with logprob bytes from llama.cpp's own pieces.
 */
describe('identify openai: one channel at a time against llama.cpp', () => {
  const fixture = engineServer('qwen2.5');
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  const identify = async (channels: string, extra: string[] = []) => {
    const out = await mkdtemp(join(tmpdir(), 'tokprint-engine-'));
    dirs.push(out);
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
      OPENAI_API_KEY: 'sk-test-engine',
    };
    const result = await runCli(
      [
        'identify',
        `openai:${fixture.server.url}/v1`,
        '--model',
        'tiny-qwen2.5',
        '--json',
        '--out',
        out,
        '--no-cache',
        '--quiet',
        '--channels',
        channels,
        ...extra,
      ],
      env,
    );
    expect(result.stderr).toBe('');
    return { ...result, json: JSON.parse(result.stdout) };
  };

  it.each(['usage', 'logprobs', 'stream'])('finds the class from %s alone', async (channels) => {
    const { json, code } = await identify(channels);
    expect(json.verdict.status).toBe('match');
    expect(json.verdict.family).toBe('qwen2');
    expect(json.verdict.class).toContain('qwen2.5');
    expect(json.verdict.flags).toBeUndefined();
    expect(code).toBe(0);
  });
});
