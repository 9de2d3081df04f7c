import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplate } from '../../src/targets/chat-templates.js';
import { isOneLine, runCli } from '../helpers/cli.js';
import { type DetokenizingServerOptions, startDetokenizingServer } from '../helpers/detokenizing-openai-server.js';
import { committedTokenizer } from '../helpers/manifest-references.js';

/**
 * With no channel named, the first request asks for everything an OpenAI-compatible API may give and the run
 * reads what the answer shows: against independent servers that send no usage, or refuse logprobs.
 */
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-discovery-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const env = () => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
  OPENAI_API_KEY: 'sk-test-discovery',
});

async function identify(
  reference: string,
  server: Omit<DetokenizingServerOptions, 'tokenizer' | 'template'>,
  flags: string[] = [],
) {
  const started = await startDetokenizingServer({
    tokenizer: await committedTokenizer(reference),
    template: chatTemplate('chatml'),
    ...server,
  });
  const out = await mkdtemp(join(root, 'runs-'));
  try {
    const result = await runCli(
      ['identify', `openai:${started.url}`, '--model', 'm', '--json', '--out', out, '--no-cache', ...flags],
      env(),
    );
    const [run] = await readdir(out);
    return { ...result, run: run && join(out, run), requests: started.requests() };
  } finally {
    await started.close();
  }
}

const transcript = async (run: string) =>
  (await readFile(join(run, 'transcript.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

describe('channel discovery', () => {
  it('identifies a server that sends no usage, with default flags, and says what it read', async () => {
    const result = await identify('deepseek-v3', { withoutUsage: true });
    expect(result.code).toBe(0);
    const verdict = JSON.parse(result.stdout);
    expect(verdict.verdict.status).toBe('match');
    expect(verdict.verdict.class).toContain('deepseek-v3');
    expect(verdict.verdict.flags ?? []).toEqual([]);
    expect(result.stderr).toMatch(
      /^tokprint: the target gives streamed chunks and logprob tokens; reading stream, logprobs\n/,
    );
    const entries = await transcript(result.run);
    expect(entries[0].config.discover).toBe(true);
    const channels = entries.filter((e) => e.kind === 'channels');
    expect(channels).toHaveLength(1);
    expect(channels[0].offered).toMatchObject({ usage: false, chunks: true, logprobs: true });
    expect(channels[0].reading).toEqual(['stream', 'logprobs']);

    // the recorded run scores the same again, with the channels it discovered
    const again = await runCli(['rescore', result.run, '--json'], env());
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).verdict).toMatchObject({ status: 'match', reference: verdict.verdict.reference });
  });

  it('never names a wrong tokenizer from plain text without usage: SentencePiece Yi is matched or left undecided', async () => {
    const result = await identify('yi', { withoutUsage: true });
    const verdict = JSON.parse(result.stdout);
    expect(['match', 'inconclusive']).toContain(verdict.verdict.status);
    expect(verdict.candidates[0].reference).toBe('yi');
    expect(verdict.verdict.flags ?? []).toEqual([]);
  });

  it('asks again without logprobs when the server refuses them, and reads usage and chunks', async () => {
    const result = await identify('deepseek-v3', { refusesLogprobs: true });
    expect(result.code).toBe(0);
    const verdict = JSON.parse(result.stdout).verdict;
    expect(verdict).toMatchObject({ status: 'match', reference: 'deepseek-v3' });
    expect(verdict.flags ?? []).toEqual([]);
    expect(result.stderr).toContain('reading usage, stream');
    expect(result.stderr).not.toContain('logprobs');
    const refused = (await transcript(result.run)).filter((e) => e.kind === 'error');
    expect(refused).toHaveLength(1);
  });

  it('says in one line that the usage a run reads alone is missing', async () => {
    const result = await identify('deepseek-v3', { withoutUsage: true }, ['--channels', 'usage']);
    expect(result.code).toBe(3);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.stderr).toMatch(/reported no token usage.*no channel that reads the answers/);
  });

  it('names a channel asked for that the target does not give', async () => {
    const result = await identify('deepseek-v3', {}, ['--channels', 'usage,logprobs', '--stream']);
    expect(result.code).toBe(0);
    // named and given: nothing to say
    expect(result.stderr).toBe('');
    const quiet = await identify('deepseek-v3', { withoutUsage: true }, ['--channels', 'usage,stream', '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const loud = await identify('deepseek-v3', { withoutUsage: true }, ['--channels', 'usage,stream']);
    expect(isOneLine(loud.stderr.split('\n')[0] + '\n')).toBe(true);
    expect(loud.stderr).toContain('usage asked for but not given');
  });
});
