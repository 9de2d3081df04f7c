import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import { runCli } from '../../helpers/cli.js';
import { realTokenizer } from '../../helpers/real-tokenizers.js';
import { startRecountingServer } from '../../helpers/recounting-openai-server.js';

const env = () => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
  OPENAI_API_KEY: 'sk-test',
});

/**
 * The count channels on their own, against simulated APIs that answer in their reference's tokens:
 * completion_tokens (an end-of-turn token beside the text) and answers cut at max_tokens.
 */
describe('completion and truncation channels alone', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'tokprint-counts-alone-'));
  });
  afterAll(async () => rm(out, { recursive: true, force: true }));

  const identify = async (target: string, channels: string) => {
    const result = await runCli(
      ['identify', target, '--json', '--out', out, '--quiet', '--max-queries', '16', '--channels', channels],
      env(),
    );
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout);
  };

  // Counts alone cannot tell a vocabulary from one changed where the answers do not reach, so they rank the classes
  // and claim no match of another class. Each reference here has a near twin in its family that takes as many
  // tokens for most answers: Gemma 4 holds Gemma 3's token texts, qwen3.5-split is Qwen2's vocabulary under
  // another split (it counts apart only text with combining marks or not in NFC). Answers the planner does not
  // choose may not part them within the budget; the verdict then names the twin beside the reference, at family
  // level, and never the twin alone.
  const TWIN: Record<string, string> = { 'qwen2.5': 'qwen3.5-split', gemma3: 'gemma4' };
  const FAMILY: Record<string, string> = { 'qwen2.5': 'qwen2', gemma3: 'gemma3' };
  it.each([
    ['completion', 'qwen2.5'],
    ['completion', 'gemma3'],
    ['truncation', 'qwen2.5'],
    ['truncation', 'gemma3'],
  ])(
    '--channels %s alone names %s (with its twin when it cannot part them) and no other class',
    async (channels, reference) => {
      const json = await identify(`sim:${reference}?template=chatml&system=300&seed=5`, channels);
      expect(json.verdict.status).toBe('match');
      expect(json.verdict.class).toContain(reference);
      expect(json.verdict.family).toBe(FAMILY[reference]);
      expect(json.verdict.confidence).toBeGreaterThan(0.99);
      for (const id of json.verdict.twins ?? []) expect(id).toBe(TWIN[reference]);
      const share = (id: string) =>
        json.candidates.find((c: { class: string[] }) => c.class.includes(id))?.posterior ?? 0;
      // a twin named beside the reference never leads it by more than a coin toss's rounding
      expect(share(reference)).toBeGreaterThanOrEqual(share(TWIN[reference]) - 1e-3);
      expect(share(reference) + (json.verdict.twins ? share(TWIN[reference]) : 0)).toBeGreaterThan(0.99);
      expect(json.verdict.flags).toBeUndefined();
      expect(json.channels.enabled).toEqual([channels]);
      expect(json.channels.channels.map((c: { name: string }) => c.name)).toEqual([channels]);
    },
    // parting near twins takes up to 8 requests and both twins' encoders (Gemma's are the slowest to load): a
    // margin for a loaded two-core machine, not a speed target
    600_000,
  );
});

/** completion_tokens recounted with Llama 3 while the model streams Qwen2.5 tokens. */
describe('completion counted with one tokenizer, tokens streamed from another', () => {
  let server: Awaited<ReturnType<typeof startRecountingServer>>;
  let out: string;
  beforeAll(async () => {
    server = await startRecountingServer({
      model: await realTokenizer('qwen2.5'),
      billing: await realTokenizer('llama3'),
      template: chatTemplate('chatml'),
    });
    out = await mkdtemp(join(tmpdir(), 'tokprint-recount-completion-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(out, { recursive: true, force: true });
  });

  const identify = async (channels: string) => {
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
      env(),
    );
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout);
  };

  it('the completion counts alone point at the tokenizer they were counted with', async () => {
    const json = await identify('completion');
    expect(json.channels.consistency.flags).toEqual([]);
    expect(json.candidates[0].class).toContain('llama3');
  });

  it('beside the streamed tokens they are set aside and flagged; the verdict is the streamed tokenizer', async () => {
    const json = await identify('stream,completion');
    expect(json.verdict.status).toBe('match');
    expect(json.verdict.class).toContain('qwen2.5');
    expect(json.verdict.flags).toEqual(['completion-count-inconsistent']);
    expect(json.channels.consistency.trusted.channels).toEqual(['stream']);
    expect(json.channels.consistency.trusted.reason).toMatch(/the completion counts fit llama3/);
  });
});
