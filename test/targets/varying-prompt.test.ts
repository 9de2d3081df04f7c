import { describe, expect, it } from 'vitest';
import { createTarget } from '../../src/targets/create-target.js';
import { parseSimSpec } from '../../src/targets/sim-spec.js';
import { UserError } from '../../src/util/errors.js';
import { committedTargetDeps } from '../helpers/target-deps.js';

const deps = committedTargetDeps;

/** The billed prompt counts of the same request sent `times` times. */
async function counts(spec: string, times: number): Promise<number[]> {
  const target = await createTarget(spec, deps);
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const answer = await target.send({ messages: [{ role: 'user', content: 'Hello there.' }], maxOutputTokens: 1 });
    out.push(answer.usage!.promptTokens);
  }
  return out;
}

describe('sim: hidden prompt that varies per request', () => {
  it('parses vary, spread and jumps, with defaults by kind', () => {
    expect(parseSimSpec('deepseek-v3?vary=paragraph&spread=20&jumps=0.1').varying).toEqual({
      kind: 'paragraph',
      spread: 20,
      jumps: 0.1,
    });
    expect(parseSimSpec('deepseek-v3?vary=id').varying).toEqual({ kind: 'id', spread: 2, jumps: 0 });
    expect(parseSimSpec('deepseek-v3').varying).toBeUndefined();
  });

  it.each([
    ['deepseek-v3?vary=weather', /vary must be one of clock, id, paragraph/],
    ['deepseek-v3?spread=5', /spread and jumps need vary=/],
    ['deepseek-v3?vary=id&spread=-1', /spread must be a whole number from 0 to 1,000/],
    ['deepseek-v3?vary=id&jumps=2', /jumps must be a number from 0 to 1/],
  ])('refuses %s in one line', (spec, message) => {
    expect(() => parseSimSpec(spec)).toThrow(UserError);
    expect(() => parseSimSpec(spec)).toThrow(message);
  });

  it('bills identical requests alike without vary', async () => {
    expect(new Set(await counts('sim:deepseek-v3?system=300', 6)).size).toBe(1);
  });

  it.each([
    ['id', 2],
    ['paragraph', 5],
    ['paragraph', 20],
  ])('vary=%s&spread=%i moves identical requests by at most about the spread either side', async (kind, spread) => {
    const billed = await counts(`sim:deepseek-v3?system=300&vary=${kind}&spread=${spread}&seed=5`, 30);
    const range = Math.max(...billed) - Math.min(...billed);
    expect(range).toBeGreaterThan(spread);
    // a word or a few id characters past the count drawn, and a seam either side
    expect(range).toBeLessThanOrEqual(2 * spread + 4);
  });

  it('the same seed gives the same counts; another seed others', async () => {
    const a = await counts('sim:llama3?vary=paragraph&spread=5&seed=9', 8);
    expect(await counts('sim:llama3?vary=paragraph&spread=5&seed=9', 8)).toEqual(a);
    expect(await counts('sim:llama3?vary=paragraph&spread=5&seed=10', 8)).not.toEqual(a);
  });

  it('a clock to the second moves the count by a token or two at most', async () => {
    const billed = await counts('sim:qwen2.5?vary=clock&seed=3', 30);
    expect(Math.max(...billed) - Math.min(...billed)).toBeLessThanOrEqual(3);
  });

  it('jumps add a block of 40 tokens or more now and then', async () => {
    const billed = await counts('sim:deepseek-v3?vary=id&spread=2&jumps=0.3&seed=2', 30);
    const low = Math.min(...billed);
    const jumped = billed.filter((b) => b - low >= 40).length;
    expect(jumped).toBeGreaterThan(2);
    expect(jumped).toBeLessThan(20);
  });
});
