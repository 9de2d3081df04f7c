import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_TEMPLATES } from '../../../src/targets/chat-templates.js';
import { startAnthropicServer } from '../../helpers/anthropic-test-server.js';
import { makeSandbox, runCli, shareReferenceFiles, type Sandbox } from '../../helpers/cli.js';
import { startGeminiServer } from '../../helpers/gemini-test-server.js';
import { startGateway } from '../../helpers/generic-http-test-server.js';
import type { JsonServer } from '../../helpers/generic-json-server.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startOllamaServer } from '../../helpers/ollama-test-server.js';
import { startLlamacppServer, startTgiServer, startVllmTokenizeServer } from '../../helpers/tokenize-test-servers.js';

const KEYS = { ANTHROPIC_API_KEY: 'sk-ant-e2e-5c0f', GEMINI_API_KEY: 'AIza-e2e-91d2', GATEWAY_KEY: 'gw-e2e-33aa' };
let sandbox: Sandbox;
const servers: JsonServer[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox(KEYS);
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sandbox.remove();
});

async function identify(target: string, model?: string): Promise<{ class: string[] }> {
  const result = await runCli(
    [
      'identify',
      target,
      ...(model ? ['--model', model] : []),
      '--json',
      '--no-cache',
      '--out',
      'runs',
      // each API's billed counts; what each answers beyond them is in the channel tests
      '--channels',
      'usage',
    ],
    sandbox.env,
    sandbox.root,
  );
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout).verdict;
}

async function started(server: Promise<JsonServer>): Promise<JsonServer> {
  servers.push(await server);
  return servers.at(-1)!;
}

describe('tokprint identify on every other API', () => {
  it('anthropic: billed Messages usage over the Claude tokenizer', async () => {
    const s = await started(
      startAnthropicServer({ tokenizer: await committedTokenizer('claude-legacy'), apiKey: KEYS.ANTHROPIC_API_KEY }),
    );
    expect((await identify(`anthropic:${s.url}`, 'claude-x')).class).toContain('claude-legacy');
  });

  it('gemini: countTokens over Gemma 3', async () => {
    const s = await started(
      startGeminiServer({
        tokenizer: await committedTokenizer('gemma3'),
        apiKey: KEYS.GEMINI_API_KEY,
        models: ['gemini-x'],
      }),
    );
    expect((await identify(`gemini:${s.url}`, 'gemini-x')).class).toContain('gemma3');
  });

  it('vllm, llamacpp and tgi tokenize endpoints', async () => {
    const vllm = await started(
      startVllmTokenizeServer({
        tokenizer: await committedTokenizer('qwen2.5'),
        model: 'q',
        template: CHAT_TEMPLATES.chatml,
      }),
    );
    expect((await identify(`vllm:${vllm.url}`)).class).toContain('qwen2.5');
    const llamacpp = await started(
      startLlamacppServer({ tokenizer: await committedTokenizer('llama3'), bos: '<|begin_of_text|>' }),
    );
    expect((await identify(`llamacpp:${llamacpp.url}`)).class).toContain('llama3');
    const tgi = await started(startTgiServer({ tokenizer: await committedTokenizer('gemma3'), bos: '<bos>' }));
    expect((await identify(`tgi:${tgi.url}`)).class).toContain('gemma3');
  });

  it('ollama and a gateway described by a spec file', async () => {
    const llama3 = await committedTokenizer('llama3');
    const ollama = await started(
      startOllamaServer({ tokenizer: llama3, template: CHAT_TEMPLATES.llama3, model: 'llama3.1:8b' }),
    );
    expect((await identify(`ollama:${ollama.url}`, 'llama3.1:8b')).class).toContain('llama3');
    const gateway = await started(
      startGateway({
        tokenizer: await committedTokenizer('mistral-nemo'),
        template: CHAT_TEMPLATES.mistral,
        apiKey: KEYS.GATEWAY_KEY,
      }),
    );
    await writeFile(
      join(sandbox.root, 'gateway.yaml'),
      [
        `url: ${gateway.url}/gw/v2/generate?tenant=acme`,
        'headers:',
        '  Authorization: Token ${GATEWAY_KEY}',
        'body:',
        '  deployment: house-model',
        '  input: { system: "{{system}}", turns: "{{messages}}" }',
        'response:',
        '  prompt_tokens: result.metering.tokens_in',
      ].join('\n'),
    );
    expect((await identify(`http:${join(sandbox.root, 'gateway.yaml')}`)).class).toContain('mistral-nemo');
  });

  it('leaves no key in any run record', async () => {
    const files = await readdir(join(sandbox.root, 'runs'), { recursive: true, withFileTypes: true });
    const text = (
      await Promise.all(files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name), 'utf8')))
    ).join('\n');
    // the Anthropic runs counted with billed usage of Messages, never the count_tokens estimate
    expect(text).toContain('/v1/messages');
    expect(text).not.toContain('count_tokens');
    for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
  });
});
