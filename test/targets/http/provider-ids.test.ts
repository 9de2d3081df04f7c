import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelInId } from '../../../src/targets/http/provider-id.js';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import { UserError } from '../../../src/util/errors.js';
import { startAnthropicServer } from '../../helpers/anthropic-test-server.js';
import { makeSandbox, runCli, shareReferenceFiles, type Sandbox } from '../../helpers/cli.js';
import { startGeminiServer } from '../../helpers/gemini-test-server.js';
import type { JsonServer } from '../../helpers/generic-json-server.js';
import { loopbackTarget, sentBodies } from '../../helpers/generic-target.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startOpenAiTestServer, type OpenAiTestServer } from '../../helpers/openai-test-server.js';

const KEYS = {
  OPENAI_API_KEY: 'sk-prov-1f2e3d4c5b6a',
  ANTHROPIC_API_KEY: 'sk-ant-prov-77aa',
  GEMINI_API_KEY: 'AIza-prov-4411',
};
let sandbox: Sandbox;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox(KEYS);
  await shareReferenceFiles(sandbox);
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await sandbox.remove();
});

async function identify(target: string, env: NodeJS.ProcessEnv, out: string) {
  const result = await runCli(
    ['identify', target, '--json', '--out', out, '--channels', 'usage', '--max-queries', '4'],
    { ...sandbox.env, ...env },
    sandbox.root,
  );
  expect(result.stderr).toBe('');
  const runs = await readdir(join(sandbox.root, out));
  return { ...result, verdict: JSON.parse(result.stdout).verdict, runs };
}

describe('provider ids name a model; the server comes from the SDK variable or the default', () => {
  it('reads the model, an API prefix and settings apart from URLs', () => {
    expect(modelInId('gpt-4o', ['chat'])).toEqual({ model: 'gpt-4o', query: '' });
    expect(modelInId('chat:gpt-4o', ['chat'])).toEqual({ model: 'gpt-4o', query: '' });
    expect(modelInId('messages:claude-x?count=count_tokens', ['messages'])).toEqual({
      model: 'claude-x',
      query: '?count=count_tokens',
    });
    expect(modelInId('meta-llama/Llama-3.1-8B', ['chat'])).toEqual({ model: 'meta-llama/Llama-3.1-8B', query: '' });
    for (const rest of ['', '?count=messages', 'http://127.0.0.1:9/v1', 'https://h/v1?api-key=k'])
      expect(modelInId(rest, ['chat'])).toBeUndefined();
  });

  it('openai:<model> and openai:chat:<model> go to $OPENAI_BASE_URL with the model in the body; no key in the run name', async () => {
    const server: OpenAiTestServer = await startOpenAiTestServer({
      tokenizer: await committedTokenizer('qwen2.5'),
      template: chatTemplate('chatml'),
      apiKey: KEYS.OPENAI_API_KEY,
    });
    closers.push(() => server.close());
    const env = { OPENAI_BASE_URL: server.url };
    for (const [id, out] of [
      ['openai:house-model-1', 'runs-a'],
      ['openai:chat:house-model-1', 'runs-b'],
    ]) {
      const before = server.received.length;
      const { verdict, runs, stdout } = await identify(id, env, out);
      expect(verdict.class).toContain('qwen2.5');
      const bodies = server.received.slice(before).filter((r) => r.path.endsWith('/chat/completions'));
      expect(bodies.length).toBeGreaterThan(0);
      for (const r of bodies) expect(JSON.parse(r.body).model).toBe('house-model-1');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toContain('house-model-1');
      expect(runs[0]).not.toContain(KEYS.OPENAI_API_KEY);
      expect(stdout).not.toContain(KEYS.OPENAI_API_KEY);
    }
  });

  it('anthropic:<model> and gemini:<model> go to $ANTHROPIC_BASE_URL and $GEMINI_BASE_URL', async () => {
    const anthropic: JsonServer = await startAnthropicServer({
      tokenizer: await committedTokenizer('claude-legacy'),
      apiKey: KEYS.ANTHROPIC_API_KEY,
    });
    const gemini: JsonServer = await startGeminiServer({
      tokenizer: await committedTokenizer('gemma3'),
      apiKey: KEYS.GEMINI_API_KEY,
      models: ['gemini-x'],
    });
    closers.push(anthropic.close, gemini.close);
    const a = await identify('anthropic:messages:claude-x', { ANTHROPIC_BASE_URL: anthropic.url }, 'runs-c');
    expect(a.verdict.class).toContain('claude-legacy');
    const messages = anthropic.received.filter((r) => r.path === '/v1/messages');
    expect(messages.length).toBeGreaterThan(0);
    for (const r of messages) expect((r.json as { model: string }).model).toBe('claude-x');
    const g = await identify('gemini:gemini-x', { GEMINI_BASE_URL: gemini.url }, 'runs-d');
    expect(g.verdict.class).toContain('gemma3');
    expect(gemini.received.some((r) => r.path.includes('/models/gemini-x:'))).toBe(true);
  });

  it('openai:<url> keeps working with --model, and wins over $OPENAI_BASE_URL', () => {
    const env = { OPENAI_BASE_URL: 'http://127.0.0.1:1/elsewhere' };
    const { target } = loopbackTarget('openai:http://127.0.0.1:9/v1', { env, options: { model: 'm' } });
    expect(target.description).toContain('http://127.0.0.1:9/v1');
    const named = loopbackTarget('openai:gpt-4o', { env: {} });
    expect(named.target.description).toContain('https://api.openai.com/v1, model gpt-4o');
    expect(sentBodies(named.wire)).toEqual([]);
  });

  it('a model in the id and a different --model, or a bad $OPENAI_BASE_URL, are refused in one line', () => {
    const refusal = (id: string, settings: Parameters<typeof loopbackTarget>[1]) => {
      try {
        loopbackTarget(id, settings);
      } catch (error) {
        return error as UserError;
      }
      throw new Error('not refused');
    };
    const conflict = refusal('openai:gpt-4o', { options: { model: 'gpt-4.1' } });
    expect(conflict).toBeInstanceOf(UserError);
    expect(conflict.message).toBe(
      'openai:gpt-4o names the model gpt-4o and --model gpt-4.1: give one, or the same in both',
    );
    const bad = refusal('openai:gpt-4o', { env: { OPENAI_BASE_URL: 'not a url' } });
    expect(bad.exitCode).toBe(2);
    expect(bad.message).toBe('openai:gpt-4o: "not a url" (from $OPENAI_BASE_URL) is not a URL');
  });
});
