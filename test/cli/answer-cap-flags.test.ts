import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await makeSandbox();
});
afterAll(() => sandbox.remove());

describe('answer cap flags', () => {
  it.each([
    ['--max-response-bytes', 'abc', '--max-response-bytes must be a whole number from 1,024 to 1,073,741,824, not "abc"'],
    ['--max-response-bytes', '99999999999999999999', '--max-response-bytes must be a whole number from 1,024 to 1,073,741,824, not "99999999999999999999"'],
    ['--max-response-bytes', '10', '--max-response-bytes must be a whole number from 1,024 to 1,073,741,824, not "10"'],
    ['--max-stream-events', '0', '--max-stream-events must be a whole number from 1 to 10,000,000, not "0"'],
    ['--max-stream-events', '1e9', '--max-stream-events must be a whole number from 1 to 10,000,000, not "1e9"'],
  ])('%s %s is refused in one line with exit 2, before anything is sent', async (flag, value, message) => {
    const result = await runCli(['identify', 'openai:http://127.0.0.1:9/v1', '--model', 'm', flag, value, '--out', 'runs'], sandbox.env, sandbox.root);
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toBe(`tokprint: ${message}\n`);
  });
});
