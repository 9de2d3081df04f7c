import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_TEMPLATES } from '../../../src/targets/chat-templates.js';
import { createDispatcher } from '../../../src/targets/http/dispatcher.js';
import { httpTarget } from '../../../src/targets/http/executor.js';
import type { HttpReply } from '../../../src/targets/http/protocol.js';
import { DEFAULT_RETRY_POLICY } from '../../../src/targets/http/retry.js';
import {
  detectTokenizeDialect,
  dialectProbeProtocol,
  TOKENIZE_DIALECTS,
  type TokenizeDialect,
} from '../../../src/targets/http/tokenize-dialects.js';
import type { WireEntry } from '../../../src/targets/http/wire-entry.js';
import type { JsonServer } from '../../helpers/generic-json-server.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startOllamaServer } from '../../helpers/ollama-test-server.js';
import { startLlamacppServer, startTgiServer, startVllmTokenizeServer } from '../../helpers/tokenize-test-servers.js';

const servers: Partial<Record<TokenizeDialect['scheme'], JsonServer>> = {};

beforeAll(async () => {
  const qwen = await committedTokenizer('qwen2.5');
  const llama3 = await committedTokenizer('llama3');
  const gemma = await committedTokenizer('gemma3');
  servers.vllm = await startVllmTokenizeServer({ tokenizer: qwen, model: 'qwen', template: CHAT_TEMPLATES.chatml });
  servers.sglang = await startVllmTokenizeServer({
    tokenizer: qwen,
    model: 'qwen',
    template: CHAT_TEMPLATES.chatml,
    dialect: 'sglang',
  });
  servers.llamacpp = await startLlamacppServer({ tokenizer: llama3, bos: '<|begin_of_text|>' });
  servers.tgi = await startTgiServer({ tokenizer: gemma, bos: '<bos>' });
  servers.ollama = await startOllamaServer({
    tokenizer: llama3,
    template: CHAT_TEMPLATES.llama3,
    model: 'llama3.1:8b',
  });
});
afterAll(() => Promise.all(Object.values(servers).map((s) => s.close())));

/**
 * Sends every dialect's probe through the executor and keeps each recorded reply, so detection reads the
 * replies exactly as they came back, refusals included.
 */
async function probeAll(url: string): Promise<Partial<Record<TokenizeDialect['scheme'], HttpReply>>> {
  const replies: Partial<Record<TokenizeDialect['scheme'], HttpReply>> = {};
  for (const dialect of TOKENIZE_DIALECTS) {
    const wire: WireEntry[] = [];
    const target = httpTarget(`${dialect.scheme}-probe:${url}`, 'probe', dialectProbeProtocol(dialect), {
      baseUrl: url,
      protocolOptions: {},
      timeoutMs: 10_000,
      retry: { ...DEFAULT_RETRY_POLICY, retries: 0 },
      rateLimit: { concurrency: 1, requestsPerSecond: 1000 },
      dispatcher: createDispatcher({}, process.cwd()),
      wire: { append: (entry) => wire.push(entry) },
    });
    await target.send({ messages: [] }).catch(() => undefined);
    const answer = wire.find((e) => e.kind === 'http-response');
    if (answer?.kind === 'http-response') {
      let json: unknown;
      try {
        json = JSON.parse(answer.body);
      } catch {
        json = undefined;
      }
      replies[dialect.scheme] = {
        status: answer.status,
        headers: answer.headers,
        text: answer.body,
        ...(json !== undefined && { json }),
      };
    }
  }
  return replies;
}

describe('tokenize dialect detection', () => {
  for (const scheme of ['vllm', 'sglang', 'llamacpp', 'tgi', 'ollama'] as const) {
    it(`tells a ${scheme} server from the others by its replies to every probe`, async () => {
      const replies = await probeAll(servers[scheme]!.url);
      expect(detectTokenizeDialect(replies)).toBe(scheme);
      // Each probe is accepted by its own server only (vLLM's reply also reads as SGLang's, which list order settles).
      const accepted = TOKENIZE_DIALECTS.filter((d) => d.accepts(replies[d.scheme]!)).map((d) => d.scheme);
      expect(accepted).toEqual(scheme === 'vllm' ? ['vllm', 'sglang'] : [scheme]);
    });
  }

  it('sends a probe through the executor like any request: accepted with a count, refused without retrying', async () => {
    const vllm = TOKENIZE_DIALECTS.find((d) => d.scheme === 'vllm')!;
    const settings = {
      protocolOptions: {},
      timeoutMs: 10_000,
      retry: { ...DEFAULT_RETRY_POLICY, retries: 2 },
      rateLimit: { concurrency: 1, requestsPerSecond: 1000 },
      dispatcher: createDispatcher({}, process.cwd()),
    };
    const yes = await httpTarget('p', 'probe', dialectProbeProtocol(vllm), {
      ...settings,
      baseUrl: servers.vllm!.url,
    }).send({ messages: [] });
    expect(yes.usage?.promptTokens).toBe(2);
    expect(yes.metadata).toMatchObject({ dialect: 'vllm' });
    const before = servers.llamacpp!.received.length;
    await expect(
      httpTarget('p', 'probe', dialectProbeProtocol(vllm), { ...settings, baseUrl: servers.llamacpp!.url }).send({
        messages: [],
      }),
    ).rejects.toThrow(/not a vllm reply/);
    expect(servers.llamacpp!.received.length - before).toBe(1);
  });

  it('finds nothing on a server with no tokenize endpoint, and Ollama is marked as not free', async () => {
    const replies = await probeAll(`${servers.tgi!.url}/elsewhere`);
    expect(detectTokenizeDialect(replies)).toBeUndefined();
    expect(detectTokenizeDialect({})).toBeUndefined();
    expect(TOKENIZE_DIALECTS.filter((d) => !d.free).map((d) => d.scheme)).toEqual(['ollama']);
  });
});
