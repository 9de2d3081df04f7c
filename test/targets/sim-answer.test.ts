import { describe, expect, it } from 'vitest';
import { createTarget } from '../../src/targets/create-target.js';
import { parseSimSpec } from '../../src/targets/sim-spec.js';
import { END_OF_TURN_TOKENS, simAnswer } from '../../src/targets/sim-answer.js';
import { committedTokenizer } from '../helpers/manifest-references.js';
import { committedTargetDeps } from '../helpers/target-deps.js';

const deps = committedTargetDeps;
const messages = [{ role: 'user' as const, content: 'Say something.' }];

describe('simulated answers', () => {
  it.each(['qwen2.5', 'llama2'])(
    '%s: chunks and logprob tokens spell the answer in the tokenizer’s own tokens',
    async (id) => {
      const tokenizer = await committedTokenizer(id);
      for (let seed = 1; seed <= 20; seed++) {
        const answer = simAnswer(tokenizer, seed, 24);
        expect(answer.chunks.join('')).toBe(answer.text);
        expect(answer.logprobTokens.map((t) => t.bytes)).toEqual(answer.ids.map((i) => [...tokenizer.tokenBytes(i)!]));
        expect(answer.logprobTokens.every((t) => t.alternatives!.length === 3)).toBe(true);
        if (answer.truncated) expect(answer.completionTokens).toBe(24);
        else expect(answer.completionTokens).toBe(answer.ids.length + END_OF_TURN_TOKENS);
        expect(answer.ids.length).toBeLessThanOrEqual(24);
      }
    },
  );

  it('the same seed gives the same answer; answers are cut at max_tokens about two times in three', async () => {
    const tokenizer = await committedTokenizer('qwen2.5');
    expect(simAnswer(tokenizer, 7, 32)).toEqual(simAnswer(tokenizer, 7, 32));
    const cut = Array.from({ length: 60 }, (_, s) => simAnswer(tokenizer, s + 1, 32).truncated).filter(Boolean).length;
    expect(cut).toBeGreaterThan(25);
    expect(cut).toBeLessThan(55);
  });

  it('stream-interval=N sends N tokens per chunk', async () => {
    const tokenizer = await committedTokenizer('qwen2.5');
    const one = simAnswer(tokenizer, 3, 32);
    const four = simAnswer(tokenizer, 3, 32, { streamInterval: 4 });
    expect(four.text).toBe(one.text);
    expect(four.chunks.length).toBeLessThanOrEqual(Math.ceil(one.ids.length / 4) + 1);
    expect(four.chunks.length).toBeLessThan(one.chunks.length);
    expect(parseSimSpec('qwen2.5?stream-interval=4&top-logprobs=5')).toMatchObject({
      streamInterval: 4,
      topLogprobs: 5,
    });
    expect(() => parseSimSpec('qwen2.5?stream-interval=0')).toThrow(
      /stream-interval must be a whole number from 1 to 4,096/,
    );
  });

  it('a sim: target streams, lists logprobs and bills completion tokens only when asked; a count request is unchanged', async () => {
    const target = await createTarget('sim:qwen2.5?seed=3&top-logprobs=2', deps);
    const count = await target.send({ messages, maxOutputTokens: 1 });
    expect(count.text).toBe('OK');
    expect(count.usage?.completionTokens).toBe(1);
    expect(count.chunks).toBeUndefined();
    const full = await target.send({ messages, maxOutputTokens: 16, wantChunks: true, wantLogprobs: true, seed: 5 });
    expect(full.chunks!.join('')).toBe(full.text);
    expect(full.logprobTokens!.every((t) => t.alternatives!.length === 2)).toBe(true);
    expect(full.usage?.completionTokens).toBeGreaterThan(1);
    const again = await target.send({ messages, maxOutputTokens: 16, wantChunks: true, wantLogprobs: true, seed: 5 });
    expect(again.text).toBe(full.text);
    const plain = await target.send({ messages, maxOutputTokens: 16, seed: 5 });
    expect(plain.text).toBe(full.text);
    expect(plain.chunks).toBeUndefined();
    expect(plain.logprobTokens).toBeUndefined();
  });
});
