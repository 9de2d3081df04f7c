import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import type { ChatMessage } from '../../../src/targets/target.js';
import { runCli } from '../../helpers/cli.js';
import { startJsonServer, type JsonServer } from '../../helpers/generic-json-server.js';
import { startEchoCompletionsServer } from '../../helpers/prompt-token-servers.js';
import { realTokenizer } from '../../helpers/real-tokenizers.js';

/**
 * vLLM's /tokenize over one tokenizer beside chat completions whose usage is counted with another: a
 * provider recounting what it bills, while its own server still cuts prompts into its model's tokens.
 */
function recountingVllm(model: Tokenizer, billing: Tokenizer): Promise<JsonServer> {
  const template = chatTemplate('chatml');
  return startJsonServer((r) => {
    const body = r.json as { prompt?: string; messages?: ChatMessage[]; return_token_strs?: boolean };
    if (r.path === '/tokenize') {
      const ids = model.encode(body.prompt ?? template.render(body.messages ?? []));
      return {
        status: 200,
        json: {
          count: ids.length,
          max_model_len: 32768,
          tokens: ids,
          token_strs: body.return_token_strs ? ids.map((id) => model.tokenString(id)) : null,
        },
      };
    }
    if (r.path !== '/v1/chat/completions') return { status: 404, json: { detail: 'Not Found' } };
    const prompt = billing.encode(template.render(body.messages ?? [])).length;
    const answer = 'Noted.';
    const completion = billing.encode(answer).length + 1;
    return {
      status: 200,
      json: {
        id: 'c',
        object: 'chat.completion',
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      },
    };
  });
}

describe('the prompt channel: a prompt in the server own tokens', () => {
  let out: string;
  const servers: JsonServer[] = [];
  let qwen: Tokenizer;
  let llama3: Tokenizer;
  beforeAll(async () => {
    [qwen, llama3] = await Promise.all([realTokenizer('qwen2.5'), realTokenizer('llama3')]);
    out = await mkdtemp(join(tmpdir(), 'tokprint-prompt-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await rm(out, { recursive: true, force: true });
  });

  const identify = async (target: string, channels: string) => {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
      OPENAI_API_KEY: 'sk-test',
    };
    const result = await runCli(
      ['identify', target, '--model', 'm', '--json', '--out', out, '--no-cache', '--quiet', '--channels', channels],
      env,
    );
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout);
  };

  it('alone, from legacy completions echo, finds the class', async () => {
    const server = await startEchoCompletionsServer({ tokenizer: qwen });
    servers.push(server);
    const json = await identify(`openai-completions:${server.url}/v1`, 'prompt');
    expect(json.verdict.status).toBe('match');
    expect(json.verdict.class).toContain('qwen2.5');
    expect(json.channels.channels.map((c: { name: string }) => c.name)).toEqual(['prompt']);
    // Characters a token splits into bytes are not shown as text, so a few edits may remain even for the right reference.
    expect(json.channels.channels[0].note).toMatch(
      /prompts in the server's own tokens \(echo\); the closest of \d+ references is \d+ token edits/,
    );
  });

  it('echoed tokens overrule usage recounted with another tokenizer', async () => {
    const server = await startEchoCompletionsServer({ tokenizer: qwen, billing: llama3 });
    servers.push(server);
    expect((await identify(`openai-completions:${server.url}/v1`, 'usage')).verdict.class).toContain('llama3');
    const json = await identify(`openai-completions:${server.url}/v1`, 'usage,prompt');
    expect(json.verdict.class).toContain('qwen2.5');
    expect(json.verdict.flags).toContain('usage-count-inconsistent');
  });

  it('a tokenize endpoint beside chat completions overrules the usage they bill', async () => {
    const server = await recountingVllm(qwen, llama3);
    servers.push(server);
    const json = await identify(`openai:${server.url}/v1`, 'usage,prompt,completion');
    expect(json.verdict.status).toBe('match');
    expect(json.verdict.class).toContain('qwen2.5');
    expect(json.verdict.flags).toContain('usage-count-inconsistent');
    expect(json.channels.consistency.trusted.channels).toEqual(['prompt']);
  });
});
