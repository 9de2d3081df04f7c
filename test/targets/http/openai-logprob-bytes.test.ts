import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetRequestError } from '../../../src/targets/http/executor.js';
import type { TargetRequest } from '../../../src/targets/target.js';
import { startJsonServer, type JsonServer } from '../../helpers/generic-json-server.js';
import { loopbackTarget } from '../../helpers/generic-target.js';

/** The `bytes` of chat completion logprob tokens: byte values or null, as OpenAI documents them, and nothing else. */
const request: TargetRequest = {
  messages: [{ role: 'user', content: 'Say OK.' }],
  maxOutputTokens: 1,
  wantLogprobs: true,
};
let server: JsonServer;
let bytes: unknown;

beforeAll(async () => {
  server = await startJsonServer(() => ({
    status: 200,
    json: {
      object: 'chat.completion',
      model: 'm',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'OK' },
          finish_reason: 'length',
          logprobs: {
            content: [{ token: 'OK', logprob: -0.1, bytes, top_logprobs: [{ token: 'OK', logprob: -0.1, bytes }] }],
          },
        },
      ],
      usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 },
    },
  }));
});
afterAll(() => server.close());

function send(given: unknown) {
  bytes = given;
  const { target } = loopbackTarget(`openai:${server.url}`, {
    env: { OPENAI_API_KEY: 'sk-bytes-test' },
    options: { model: 'm', retries: 0, detectTokenize: false, topLogprobs: 1 },
  });
  return target.send(request).catch((e: unknown) => e as Error);
}

describe('openai logprob token bytes', () => {
  it('are read when they are byte values, and left to the token text when null', async () => {
    const read = await send([79, 75]);
    expect(read).not.toBeInstanceOf(Error);
    expect((read as { logprobTokens: { bytes?: number[] }[] }).logprobTokens[0].bytes).toEqual([79, 75]);
    const none = await send(null);
    expect((none as { logprobTokens: { bytes?: number[] }[] }).logprobTokens[0].bytes).toBeUndefined();
  });

  it('that are not byte values, or absurdly many, fail the answer instead of being read modulo 256', async () => {
    for (const given of [[300, 75], [-1], ['O', 'K'], [1.5], 'OK', new Array(5000).fill(65)]) {
      const error = await send(given);
      expect(error).toBeInstanceOf(TargetRequestError);
      expect((error as Error).message).toMatch(/logprobs bytes should be a list of at most 4096 byte values/);
    }
  });
});
