import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_TEMPLATES } from '../../src/targets/chat-templates.js';
import { startAnthropicServer } from '../helpers/anthropic-test-server.js';
import { shareReferenceFiles, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { startGeminiServer } from '../helpers/gemini-test-server.js';
import { startGateway } from '../helpers/generic-http-test-server.js';
import { committedTokenizer } from '../helpers/manifest-references.js';
import { BILLED_PROMPT_FIELDS, startUsageNoiseProxy } from '../helpers/usage-noise-proxy.js';

const KEYS = {
  ANTHROPIC_API_KEY: 'sk-ant-noise-0001',
  GEMINI_API_KEY: 'AIza-noise-0002',
  GATEWAY_KEY: 'gw-noise-0003',
};
let sandbox: Sandbox;
const closers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox(KEYS);
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await Promise.all(closers.map((s) => s.close()));
  await sandbox.remove();
});

async function kept<T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> {
  const s = await server;
  closers.push(s);
  return s;
}

/** Each API's real test server, the reference it counts with, and the target (with its flags) that reaches it through `proxied`. */
const APIS = {
  anthropic: {
    reference: 'claude-legacy',
    fields: BILLED_PROMPT_FIELDS.anthropic,
    upstream: async () =>
      (
        await kept(
          startAnthropicServer({
            tokenizer: await committedTokenizer('claude-legacy'),
            apiKey: KEYS.ANTHROPIC_API_KEY,
          }),
        )
      ).url,
    target: async (proxied: string) => [`anthropic:${proxied}`, '--model', 'claude-x'],
  },
  gemini: {
    reference: 'gemma3',
    fields: BILLED_PROMPT_FIELDS.gemini,
    upstream: async () =>
      (
        await kept(
          startGeminiServer({
            tokenizer: await committedTokenizer('gemma3'),
            apiKey: KEYS.GEMINI_API_KEY,
            models: ['gemini-x'],
          }),
        )
      ).url,
    target: async (proxied: string) => [`gemini:${proxied}`, '--model', 'gemini-x'],
  },
  http: {
    reference: 'mistral-nemo',
    fields: BILLED_PROMPT_FIELDS.gateway,
    upstream: async () =>
      (
        await kept(
          startGateway({
            tokenizer: await committedTokenizer('mistral-nemo'),
            template: CHAT_TEMPLATES.mistral,
            apiKey: KEYS.GATEWAY_KEY,
          }),
        )
      ).url,
    target: async (proxied: string) => {
      const spec = join(sandbox.root, `gateway-${closers.length}.yaml`);
      await writeFile(
        spec,
        [
          `url: ${proxied}/gw/v2/generate?tenant=acme`,
          'headers:',
          '  Authorization: Token ${GATEWAY_KEY}',
          'body:',
          '  deployment: house-model',
          '  input: { system: "{{system}}", turns: "{{messages}}" }',
          'response:',
          '  prompt_tokens: result.metering.tokens_in',
        ].join('\n'),
      );
      return [`http:${spec}`];
    },
  },
} as const;

async function noisy(api: keyof typeof APIS, amplitude: number, seed: number) {
  const { fields, upstream, target } = APIS[api];
  const proxy = await kept(startUsageNoiseProxy(await upstream(), { fields, amplitude, seed }));
  return { proxy, argv: await target(proxy.url) };
}

const identify = (argv: string[], ...flags: string[]) =>
  runCli(
    [
      'identify',
      ...argv,
      '--no-detect-tokenize',
      '--retries',
      '0',
      '--out',
      'runs',
      '--seed',
      '3',
      '--json',
      ...(flags.includes('--channels') || flags.includes('--stream') ? [] : ['--channels', 'usage']),
      ...flags,
    ],
    sandbox.env,
    sandbox.root,
  );

describe.each(Object.keys(APIS) as (keyof typeof APIS)[])(
  'billed counts that change between identical requests: %s',
  (api) => {
    it('an honest server behind the same proxy (noise 0) is matched, with no flag', async () => {
      const { proxy, argv } = await noisy(api, 0, 1);
      const result = await identify(argv);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(proxy.moved()).toBe(json.queries);
      expect(json.verdict).toMatchObject({ status: 'match', reference: APIS[api].reference });
      expect(json.verdict.flags).toBeUndefined();
    });

    // the bare frame is asked again as soon as no hypothesis fits the counts to the token: a move past the ceiling
    // ends the run, flagged; a smaller one is read as noise, and names the right tokenizer or nothing
    it.each([1, 2, 3, 4, 8])(
      'counts moved by +-20 (noise seed %i) name no other tokenizer and no change; inconclusive ones name the spread',
      async (seed) => {
        const { proxy, argv } = await noisy(api, 20, seed);
        const result = await identify(argv);
        expect(result.stderr).toBe('');
        const json = JSON.parse(result.stdout);
        expect(proxy.moved()).toBe(json.queries);
        // the frame is asked again once, and up to three times while a match's counts stray past the moves it showed
        expect(json.noise.repeats).toBeGreaterThanOrEqual(1);
        expect(json.noise.repeats).toBeLessThanOrEqual(3);
        if (json.verdict.status === 'match') {
          expect(result.code).toBe(0);
          // near twins no request could part through the noise are named together (Gemma 4 beside Gemma 3)
          expect([json.verdict.reference, ...(json.verdict.twins ?? [])]).toContain(APIS[api].reference);
          return;
        }
        expect(result.code).toBe(1);
        expect(json.verdict.status).toBe('inconclusive');
        expect(json.noise.reason).toMatch(/counts vary by about \d+ tokens? between identical requests/);
        if (json.stop === 'usage-count-unstable') {
          expect(json.verdict.flags).toEqual(['usage-count-unstable']);
          expect(json.unstable).toMatch(
            /^the target billed \d+ and then \d+ prompt tokens for the same request \(the bare frame, asked twice\)/,
          );
        } else expect(json.verdict.flags).toBeUndefined();
      },
    );
  },
);
