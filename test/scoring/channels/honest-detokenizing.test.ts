import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import { openAiTestEnv, runCli } from '../../helpers/cli.js';
import { startDetokenizingServer, type DetokenizingServerOptions } from '../../helpers/detokenizing-openai-server.js';
import { committedEntry, committedTokenizer } from '../../helpers/manifest-references.js';

/**
 * Honest OpenAI-compatible servers backed by one real tokenizer, streaming by incremental detokenization:
 * the answer channels must agree with the billed counts, never accuse them.
 */
let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'tokprint-detok-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

type ServerOptions = Omit<DetokenizingServerOptions, 'tokenizer' | 'template'>;

async function identify(reference: string, template: string, server: ServerOptions, flags: string[]) {
  const started = await startDetokenizingServer({
    tokenizer: await committedTokenizer(reference),
    template: chatTemplate(template),
    ...server,
  });
  try {
    const env = openAiTestEnv();
    const result = await runCli(
      [
        'identify',
        `openai:${started.url}`,
        '--model',
        'detok',
        '--json',
        '--out',
        out,
        '--no-cache',
        '--quiet',
        ...flags,
      ],
      env,
    );
    expect(result.stderr).toBe('');
    const verdict = JSON.parse(result.stdout).verdict;
    return { verdict, requests: started.requests() };
  } finally {
    await started.close();
  }
}

const familyOf = (reference: string) => committedEntry(reference).family;

describe('SentencePiece servers streaming one token per chunk', () => {
  it.each([
    ['yi', 'chatml'],
    ['llama2', 'mistral'],
  ])('%s with --stream is a match and carries no consistency flag', async (reference, template) => {
    const { verdict } = await identify(reference, template, { tokensPerChunk: 1 }, ['--stream']);
    expect(verdict.flags ?? []).toEqual([]);
    expect(verdict.status).toBe('match');
    expect(verdict.class).toContain(reference);
  });
});

describe('several tokens per chunk', () => {
  it('deepseek-v3 sending 4 tokens per chunk: --stream is no worse than usage alone', async () => {
    const alone = await identify('deepseek-v3', 'chatml', {}, ['--channels', 'usage']);
    const streamed = await identify('deepseek-v3', 'chatml', { tokensPerChunk: 4 }, ['--stream']);
    expect(alone.verdict.status).toBe('match');
    expect(streamed.verdict.flags ?? []).toEqual([]);
    expect(streamed.verdict.status).toBe('match');
    expect(streamed.verdict.class).toEqual(alone.verdict.class);
    expect(streamed.requests).toBeLessThanOrEqual(alone.requests + 1);
  });
});

describe('logprob token strings that lost their word-initial space', () => {
  it.each([
    ['llama2', 'mistral', ['--stream', '--logprobs', '5']],
    ['internlm2', 'chatml', ['--logprobs', '5']],
    ['llama2', 'mistral', ['--channels', 'logprobs', '--logprobs', '5']],
  ])('%s (%s template), %j: never a confident other family', async (reference, template, flags) => {
    const { verdict } = await identify(reference, template, { tokensDecodedAlone: true }, flags);
    if (verdict.family !== null) expect(verdict.family).toBe(familyOf(reference));
    expect(verdict.flags ?? []).toEqual([]);
  });
});

describe('logprob token strings decoded in context, as TGI and vLLM show them', () => {
  it.each([
    ['llama3', 'chatml', ['--logprobs', '5']],
    ['llama2', 'mistral', ['--logprobs', '5']],
    ['deepseek-v3', 'chatml', ['--stream', '--logprobs', '5']],
  ])('%s (%s template), %j: a match of its own class, no consistency flag', async (reference, template, flags) => {
    const { verdict } = await identify(reference, template, { tokensDecodedInContext: true }, flags);
    expect(verdict.flags ?? []).toEqual([]);
    expect(verdict.status).toBe('match');
    expect(verdict.class).toContain(reference);
  });

  it('llama3 read from its logprob tokens alone: never another family', async () => {
    const { verdict } = await identify('llama3', 'chatml', { tokensDecodedInContext: true }, [
      '--channels',
      'logprobs',
      '--logprobs',
      '5',
    ]);
    if (verdict.family !== null) expect(verdict.family).toBe(familyOf('llama3'));
  });
});
