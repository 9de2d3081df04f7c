import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { engineServer } from './engine-fixture.js';

/**
 * The answer channels against llama.cpp serving a tiny random-weight Yi model: a SentencePiece vocabulary (word-initial
 * `▁`, byte fallback, no dummy prefix) tokenized, templated, counted and streamed by llama.cpp alone, one token's
 * piece per chunk, and the same model behind a server that sends no `usage`. An honest server: the verdict names
 * Yi's class and carries no consistency flag.
 */
describe('identify openai: against llama.cpp serving a tiny Yi (SentencePiece) model', () => {
  const fixture = engineServer('yi', { withoutUsage: true });
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  const identify = async (url: string, flags: string[]) => {
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
        `openai:${url}/v1`,
        '--model',
        'tiny-yi',
        '--json',
        '--out',
        out,
        '--no-cache',
        '--quiet',
        // a gateway that drops usage shows no llama-server /tokenize either
        '--no-detect-tokenize',
        ...flags,
      ],
      env,
    );
    expect(result.stderr).toBe('');
    return { code: result.code, verdict: JSON.parse(result.stdout).verdict };
  };

  const expectYi = ({ code, verdict }: Awaited<ReturnType<typeof identify>>) => {
    expect(verdict.status).toBe('match');
    expect(verdict.family).toBe('yi');
    expect(verdict.class).toContain('yi');
    expect(verdict.flags).toBeUndefined();
    expect(code).toBe(0);
  };

  it('finds Yi from usage and the stream, with no flag', async () => {
    expectYi(await identify(fixture.server.url, ['--stream']));
  });

  it('finds Yi from the stream alone on a server that sends no usage', async () => {
    expectYi(await identify(fixture.serverWithoutUsage!.url, ['--channels', 'stream']));
  });

  it('finds Yi from logprobs alone on a server that sends no usage', async () => {
    expectYi(await identify(fixture.serverWithoutUsage!.url, ['--channels', 'logprobs', '--logprobs', '5']));
  });

  it('finds Yi with default flags on a server that sends no usage', async () => {
    expectYi(await identify(fixture.serverWithoutUsage!.url, ['--quiet']));
  });
});
