import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import { runCli } from '../../helpers/cli.js';
import { realTokenizer } from '../../helpers/real-tokenizers.js';
import { startRecountingServer } from '../../helpers/recounting-openai-server.js';

/** A provider that recounts usage with Llama 3's tokenizer while its model streams Qwen2.5 tokens. */
describe('usage counted with one tokenizer, tokens streamed from another', () => {
  let server: Awaited<ReturnType<typeof startRecountingServer>>;
  let out: string;
  beforeAll(async () => {
    server = await startRecountingServer({
      model: await realTokenizer('qwen2.5'),
      billing: await realTokenizer('llama3'),
      template: chatTemplate('chatml'),
    });
    out = await mkdtemp(join(tmpdir(), 'tokprint-recount-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(out, { recursive: true, force: true });
  });

  const identify = async (channels: string) => {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
      OPENAI_API_KEY: 'sk-test',
    };
    const result = await runCli(
      [
        'identify',
        `openai:${server.url}`,
        '--model',
        'recount',
        '--json',
        '--out',
        out,
        '--no-cache',
        '--quiet',
        '--channels',
        channels,
      ],
      env,
    );
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout);
  };

  it('the counts alone point at the tokenizer usage was counted with', async () => {
    const json = await identify('usage');
    expect(json.verdict.class).toContain('llama3');
  });

  it.each(['usage,logprobs', 'usage,stream', 'usage,logprobs,stream,completion,truncation'])(
    'with %s the verdict is the streamed tokenizer, flagged',
    async (channels) => {
      const json = await identify(channels);
      if (channels === 'usage,logprobs') {
        // logprob tokens alone cannot part Qwen2.5 from qwen3.5-split, Qwen2's vocabulary under Qwen3.5's split: the
        // answers use the very same tokens, so the pair shares the verdict and nothing else is in play
        const [first, second] = json.candidates;
        expect([first.reference, second.reference].sort()).toEqual(['qwen2.5', 'qwen3.5-split']);
        expect(first.posterior + second.posterior).toBeGreaterThan(0.99);
      } else {
        expect(json.verdict.status).toBe('match');
        expect(json.verdict.class).toContain('qwen2.5');
      }
      expect(json.verdict.flags).toContain('usage-count-inconsistent');
      expect(json.channels.consistency.trusted.reason).toMatch(/tokens seen beat counts a provider reports/);
    },
  );
});
