import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_TEMPLATES } from '../../../src/targets/chat-templates.js';
import type { HttpReply } from '../../../src/targets/http/protocol.js';
import { detectTokenizeDialect, TOKENIZE_DIALECTS, type TokenizeDialect } from '../../../src/targets/http/tokenize-dialects.js';
import type { JsonServer } from '../../helpers/generic-json-server.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startOllamaServer } from '../../helpers/ollama-test-server.js';
import { exchange } from '../../helpers/send-with-protocol.js';
import { startLlamacppServer, startTgiServer, startVllmTokenizeServer } from '../../helpers/tokenize-test-servers.js';

const servers: Partial<Record<TokenizeDialect['scheme'], JsonServer>> = {};

beforeAll(async () => {
  const qwen = await committedTokenizer('qwen2.5');
  const llama3 = await committedTokenizer('llama3');
  const gemma = await committedTokenizer('gemma3');
  servers.vllm = await startVllmTokenizeServer({ tokenizer: qwen, model: 'qwen', template: CHAT_TEMPLATES.chatml });
  servers.sglang = await startVllmTokenizeServer({ tokenizer: qwen, model: 'qwen', template: CHAT_TEMPLATES.chatml, dialect: 'sglang' });
  servers.llamacpp = await startLlamacppServer({ tokenizer: llama3, bos: '<|begin_of_text|>' });
  servers.tgi = await startTgiServer({ tokenizer: gemma, bos: '<bos>' });
  servers.ollama = await startOllamaServer({ tokenizer: llama3, template: CHAT_TEMPLATES.llama3, model: 'llama3.1:8b' });
});
afterAll(() => Promise.all(Object.values(servers).map((s) => s.close())));

async function probeAll(url: string): Promise<Partial<Record<TokenizeDialect['scheme'], HttpReply>>> {
  const replies: Partial<Record<TokenizeDialect['scheme'], HttpReply>> = {};
  for (const dialect of TOKENIZE_DIALECTS) replies[dialect.scheme] = await exchange(url, dialect.probe({}));
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

  it('finds nothing on a server with no tokenize endpoint, and Ollama is marked as not free', async () => {
    const replies = await probeAll(`${servers.tgi!.url}/elsewhere`);
    expect(detectTokenizeDialect(replies)).toBeUndefined();
    expect(detectTokenizeDialect({})).toBeUndefined();
    expect(TOKENIZE_DIALECTS.filter((d) => !d.free).map((d) => d.scheme)).toEqual(['ollama']);
  });
});
