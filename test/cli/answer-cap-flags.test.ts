import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { startHostileServer } from '../helpers/hostile-answer-server.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await makeSandbox();
});
afterAll(() => sandbox.remove());

describe('answer cap flags', () => {
  it.each([
    [
      '--max-response-bytes',
      'abc',
      '--max-response-bytes must be a whole number from 1,024 to 1,073,741,824, not "abc"',
    ],
    [
      '--max-response-bytes',
      '99999999999999999999',
      '--max-response-bytes must be a whole number from 1,024 to 1,073,741,824, not "99999999999999999999"',
    ],
    ['--max-response-bytes', '10', '--max-response-bytes must be a whole number from 1,024 to 1,073,741,824, not "10"'],
    ['--max-stream-events', '0', '--max-stream-events must be a whole number from 1 to 10,000,000, not "0"'],
    ['--max-stream-events', '1e9', '--max-stream-events must be a whole number from 1 to 10,000,000, not "1e9"'],
  ])('%s %s is refused in one line with exit 2, before anything is sent', async (flag, value, message) => {
    const result = await runCli(
      ['identify', 'openai:http://127.0.0.1:9/v1', '--model', 'm', flag, value, '--out', 'runs'],
      sandbox.env,
      sandbox.root,
    );
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toBe(`tokprint: ${message}\n`);
  });
});

describe('an answer cut at a cap', () => {
  it('ends the run in one line that points to a new run, not to --resume (which keeps the caps and would be sent the same answer)', async () => {
    const server = await startHostileServer('openai', { kind: 'huge-body', bytes: 2 * 1024 * 1024 });
    try {
      const argv = [
        'identify',
        `openai:${server.url}/v1`,
        '--model',
        'm',
        '--retries',
        '0',
        '--no-detect-tokenize',
        '--max-response-bytes',
        '1048576',
        '--out',
        'cut-runs',
      ];
      const result = await runCli(argv, sandbox.env, sandbox.root);
      expect(result.code).toBe(3);
      expect(isOneLine(result.stderr)).toBe(true);
      expect(result.stderr).toMatch(
        /answer not used: the body passed 1 MiB, the response size cap \(raise it with --max-response-bytes\); the run so far is in .*cut-runs.*; a resumed run keeps its caps, so start a new run to read such answers\n$/,
      );
      expect(result.stderr).not.toMatch(/--resume/);
      const [run] = await readdir(join(sandbox.root, 'cut-runs'));
      // the run it named indeed cannot get past the cut: resuming with the cap raised is refused
      const resumed = await runCli(
        ['identify', '--resume', join(sandbox.root, 'cut-runs', run), '--max-response-bytes', '4194304'],
        sandbox.env,
        sandbox.root,
      );
      expect(resumed.code).toBe(2);
      expect(resumed.stderr).toMatch(/--max-response-bytes 4194304 .*conflicts/);
    } finally {
      await server.close();
    }
  });
});
