import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAG_RANGES } from '../../src/cli/flag-ranges.js';
import { SIM_RANGES } from '../../src/targets/sim-spec.js';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

let box: Sandbox;
beforeAll(
  async () =>
    void (box = await makeSandbox({
      TOKPRINT_CACHE: process.env.TOKPRINT_CACHE ?? `${process.env.HOME}/.cache/tokprint`,
    })),
);
afterAll(() => box.remove());

const identify = (...args: string[]) =>
  runCli(['identify', ...args, '--out', `${box.root}/runs`, '--quiet'], box.env, box.root);

async function refusedInOneLine(args: string[], message: RegExp): Promise<void> {
  const result = await identify(...args);
  expect({ args, code: result.code }).toEqual({ args, code: 2 });
  expect(isOneLine(result.stderr)).toBe(true);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/internal error/);
}

const FLAGS: [string, keyof typeof FLAG_RANGES][] = [
  ['--max-queries', 'maxQueries'],
  ['--max-prompt-tokens', 'maxPromptTokens'],
  ['--noise-queries', 'noiseQueries'],
  ['--seed', 'seed'],
  ['--retries', 'retries'],
  ['--timeout', 'timeout'],
  ['--concurrency', 'concurrency'],
  ['--rate', 'rate'],
  ['--logprobs', 'logprobs'],
];

describe('every numeric flag has a range', () => {
  for (const [flag, key] of FLAGS) {
    const range = FLAG_RANGES[key];
    it(`${flag}: refused past ${range.max}, below ${range.min}, or not written as plain digits`, async () => {
      const past = String(range.whole ? range.max + 1 : range.max * 10);
      for (const value of [past, '99999999999999999999999', '1e308', '-1', '0x10', 'Infinity', 'NaN', '', ' 5']) {
        await refusedInOneLine(
          ['sim:qwen3', flag, value, '--dry-run'],
          new RegExp(`^tokprint: ${flag} must be a (whole )?number from `),
        );
      }
      if (range.min > 0)
        await refusedInOneLine(
          ['sim:qwen3', flag, range.whole ? String(range.min - 1) : String(range.min / 2), '--dry-run'],
          /must be a/,
        );
    });
  }

  it('takes every flag at its maximum', async () => {
    const args = FLAGS.flatMap(([flag, key]) => [flag, String(FLAG_RANGES[key].max)]);
    const result = await identify('sim:qwen3', ...args, '--dry-run');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/in 1000 requests \(budget: --max-queries 1000, --max-prompt-tokens 100000000\)/);
  });
});

describe('every numeric sim: option has a range', () => {
  for (const [name, range] of Object.entries(SIM_RANGES)) {
    it(`${name}: refused past ${range.max} in one line`, async () => {
      const donor = name === 'add' ? '&donor=qwen2.5' : '';
      for (const value of [String(range.max + 1), '99999999999', '1e3', '-1']) {
        await refusedInOneLine(
          [`sim:qwen3?${name}=${value}${donor}`, '--dry-run'],
          new RegExp(
            `sim:qwen3\\?${name}=.*: ${name} must be ${range.whole ? 'a whole number' : 'a number'} from ${range.min} to `,
          ),
        );
      }
    });
  }

  it('the hidden system prompt that once exhausted the heap is refused; the largest allowed one runs', async () => {
    await refusedInOneLine(
      ['sim:qwen3?system=99999999999'],
      /system must be a whole number from 0 to 200,000, not "99999999999"/,
    );
    const result = await identify(`sim:qwen3?system=${SIM_RANGES.system.max}`, '--max-queries', '2', '--json');
    expect(result.stderr).toBe('');
    expect([0, 1]).toContain(result.code);
    expect(JSON.parse(result.stdout).queries).toBeGreaterThan(0);
  });
});
