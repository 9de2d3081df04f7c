import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { boundariesWithin, referenceBoundaries } from '../../../src/scoring/channels/segmentation.js';
import { CHAT_TEMPLATES } from '../../../src/targets/chat-templates.js';
import type { PromptTokens, TargetRequest } from '../../../src/targets/target.js';
import { startJsonServer, type JsonServer } from '../../helpers/generic-json-server.js';
import { loopbackTarget, sentBodies } from '../../helpers/generic-target.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';
import { startEchoCompletionsServer, startPromptLogprobsServer } from '../../helpers/prompt-token-servers.js';
import { startLlamacppServer, startTgiServer, startVllmTokenizeServer } from '../../helpers/tokenize-test-servers.js';

/** Text whose tokens split characters (CJK, emoji under byte-level BPE) and runs of spaces and digits. */
const USER = 'Count these: 1234567 東京タワー 🦙🚲 naïve   café\n\n\tindentation_with_underscores and 3.14159';
const request: TargetRequest = { messages: [{ role: 'user', content: USER }], wantPromptTokens: true };

const servers: JsonServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));
async function started(server: Promise<JsonServer>): Promise<JsonServer> {
  servers.push(await server);
  return servers.at(-1)!;
}

let qwen: Tokenizer;
let llama3: Tokenizer;
let gemma: Tokenizer;
beforeAll(async () => {
  [qwen, llama3, gemma] = await Promise.all([
    committedTokenizer('qwen2.5'),
    committedTokenizer('llama3'),
    committedTokenizer('gemma3'),
  ]);
});

const sorted = (set: Set<number> | undefined) => [...(set ?? [])].sort((a, b) => a - b);
/** Where the server's tokens meet inside the user's message, against where a reference's would. */
function expectSegmentedBy(tokens: PromptTokens | undefined, tokenizer: Tokenizer, other: Tokenizer) {
  expect(tokens).toBeDefined();
  const seen = sorted(boundariesWithin(tokens!, USER));
  expect(seen.length).toBeGreaterThan(10);
  expect(seen).toEqual(sorted(referenceBoundaries(tokenizer, USER)));
  expect(seen).not.toEqual(sorted(referenceBoundaries(other, USER)));
}

describe('the prompt in the server own tokens', () => {
  it('legacy completions echo: text_offset gives each prompt token start', async () => {
    const server = await started(startEchoCompletionsServer({ tokenizer: qwen }));
    const response = await loopbackTarget(`openai-completions:${server.url}/v1`, {
      options: { model: 'm' },
    }).target.send(request);
    expect(server.received.at(-1)!.json).toMatchObject({ echo: true, logprobs: 0, prompt: USER });
    expect(response.promptTokens).toMatchObject({ source: 'echo', text: USER });
    expectSegmentedBy(response.promptTokens, qwen, llama3);
  });

  it('vLLM chat prompt_logprobs, asked for only when the target is set to: the templated prompt decoded token by token', async () => {
    const server = await started(startPromptLogprobsServer({ tokenizer: llama3, template: CHAT_TEMPLATES.chatml }));
    const plain = await loopbackTarget(`openai:${server.url}/v1`, {
      options: { model: 'm', detectTokenize: false },
    }).target.send(request);
    expect(server.received.at(-1)!.json).not.toHaveProperty('prompt_logprobs');
    expect(plain.promptTokens).toBeUndefined();
    const { target, wire } = loopbackTarget(`openai:${server.url}/v1`, {
      options: { model: 'm', detectTokenize: false, promptLogprobs: true },
    });
    const response = await target.send(request);
    expect(sentBodies(wire)[0]).toMatchObject({ prompt_logprobs: 0 });
    expect(response.promptTokens!.source).toBe('prompt_logprobs');
    expect(response.promptTokens!.text).toContain(`user\n${USER}<|im_end|>`);
    expectSegmentedBy(response.promptTokens, llama3, qwen);
  });

  it('vLLM /tokenize token_strs, in the byte-level alphabet and in SentencePiece pieces, through the chat template too', async () => {
    const byteLevel = await started(
      startVllmTokenizeServer({ tokenizer: qwen, model: 'q', template: CHAT_TEMPLATES.chatml }),
    );
    const prompt = await loopbackTarget(`vllm:${byteLevel.url}`).target.send(request);
    expectSegmentedBy(prompt.promptTokens, qwen, llama3);
    const templated = await loopbackTarget(`vllm:${byteLevel.url}?input=messages`).target.send(request);
    expect(templated.promptTokens!.text).toContain('<|im_start|>assistant\n');
    expectSegmentedBy(templated.promptTokens, qwen, llama3);
    const metaspace = await started(
      startVllmTokenizeServer({ tokenizer: gemma, model: 'g', template: CHAT_TEMPLATES.chatml }),
    );
    const pieces = await loopbackTarget(`vllm:${metaspace.url}`).target.send(request);
    expectSegmentedBy(pieces.promptTokens, gemma, qwen);
  });

  it('llama.cpp /tokenize with_pieces, pieces that split a character given as bytes', async () => {
    const server = await started(startLlamacppServer({ tokenizer: llama3, bos: '<|begin_of_text|>' }));
    const response = await loopbackTarget(`llamacpp:${server.url}`).target.send(request);
    expect(response.promptTokens!.text).toBe(USER);
    expectSegmentedBy(response.promptTokens, llama3, qwen);
  });

  it('TGI /tokenize start/stop spans', async () => {
    const server = await started(startTgiServer({ tokenizer: gemma, bos: '<bos>' }));
    const response = await loopbackTarget(`tgi:${server.url}`).target.send(request);
    expect(response.promptTokens!.text).toBe(USER);
    expectSegmentedBy(response.promptTokens, gemma, llama3);
  });

  it('an answer from chat completions gets its prompt tokens from the tokenize endpoint beside it', async () => {
    // vLLM's /tokenize over Qwen2.5 beside chat completions that bill with Llama 3's tokenizer
    const chat = await started(
      startJsonServer((r) => {
        const body = r.json as {
          prompt?: string;
          messages?: { role: 'user'; content: string }[];
          return_token_strs?: boolean;
        };
        if (r.path === '/tokenize') {
          const ids = qwen.encode(body.prompt ?? CHAT_TEMPLATES.chatml.render(body.messages ?? []));
          return {
            status: 200,
            json: {
              count: ids.length,
              max_model_len: 32768,
              tokens: ids,
              token_strs: body.return_token_strs ? ids.map((id) => qwen.tokenString(id)) : null,
            },
          };
        }
        if (r.path !== '/v1/chat/completions') return { status: 404, json: {} };
        const count = llama3.encode(USER).length;
        return {
          status: 200,
          json: {
            id: 'c',
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: 'OK then' }, finish_reason: 'length' }],
            usage: { prompt_tokens: count, completion_tokens: 2, total_tokens: count + 2 },
          },
        };
      }),
    );
    const { target } = loopbackTarget(`openai:${chat.url}/v1`, { options: { model: 'm' } });
    const response = await target.send({ ...request, maxOutputTokens: 8 });
    expect(response.usage?.promptTokens).toBe(llama3.encode(USER).length);
    expect(response.metadata).toMatchObject({ promptTokensFrom: 'tokenize (vllm)' });
    expectSegmentedBy(response.promptTokens, qwen, llama3);
    const without = await target.send({ ...request, maxOutputTokens: 8, wantPromptTokens: undefined });
    expect(without.promptTokens).toBeUndefined();
  });
});

describe('Gemini logprobsResult', () => {
  it('reads each chosen candidate with its topCandidates as alternatives', async () => {
    const steps = gemma.encode('OK. I have read').slice(0, 4);
    const candidate = (id: number, rank: number) => ({
      token: Buffer.from(gemma.tokenBytes(id)!)
        .toString('utf8')
        .replace(/\u2581/g, ' '),
      tokenId: id,
      logProbability: -0.5 * rank,
    });
    const server = await started(
      startJsonServer(() => ({
        status: 200,
        json: {
          candidates: [
            {
              content: { role: 'model', parts: [{ text: steps.map((id) => candidate(id, 0).token).join('') }] },
              finishReason: 'MAX_TOKENS',
              logprobsResult: {
                topCandidates: steps.map((id) => ({
                  candidates: [candidate(id, 0), candidate(id + 1, 1), candidate(id + 2, 2)],
                })),
                chosenCandidates: steps.map((id) => candidate(id, 0)),
              },
            },
          ],
          usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 4, totalTokenCount: 16 },
          modelVersion: 'gemini-test',
        },
      })),
    );
    const { target, wire } = loopbackTarget(`gemini:${server.url}`, {
      options: { model: 'gemini-test' },
      env: { GEMINI_API_KEY: 'k' },
    });
    const response = await target.send({ ...request, wantLogprobs: true, maxOutputTokens: 4 });
    expect(sentBodies(wire)[0]).toMatchObject({ generationConfig: { responseLogprobs: true, logprobs: 5 } });
    expect(response.logprobTokens).toHaveLength(4);
    expect(response.logprobTokens!.map((t) => t.alternatives!.map((a) => a.token))).toEqual(
      steps.map((id) => [id, id + 1, id + 2].map((x) => candidate(x, 0).token)),
    );
    expect(response.logprobTokens![1].alternatives![2].logprob).toBe(-1);
  });
});

describe('a server that normalizes what it tokenizes', () => {
  it("still gives its prompt tokens for text sent in another Unicode form (Bengali under Qwen2.5's NFC)", async () => {
    const { promptTokensFromVocabStrings } = await import('../../../src/targets/http/prompt-pieces.js');
    // U+09DC (ড়) is excluded from composition: NFC writes it as U+09A1 U+09BC.
    const sent = '\u09AC\u09C7\u09DC\u09C7\u099B\u09C7';
    expect(sent.normalize('NFC')).not.toBe(sent);
    const pieces = qwen.encode(`Say: ${sent}`).map((id) => qwen.tokenString(id)!);
    const tokens = promptTokensFromVocabStrings('tokenize', pieces, sent);
    expect(tokens?.text).toBe(`Say: ${sent.normalize('NFC')}`);
    expect(boundariesWithin(tokens!, sent)).toBeUndefined();
    expect(sorted(boundariesWithin(tokens!, sent.normalize('NFC')))).toEqual(
      sorted(referenceBoundaries(qwen, sent.normalize('NFC'))),
    );
  });
});
