import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { qwen25Files } from '../helpers/real-tokenizer.js';

let box: Sandbox;
beforeAll(async () => {
  box = await makeSandbox();
  await writeFile(join(box.root, 'a-file'), 'not a directory\n');
  await writeFile(join(box.root, 'tokenizer.json'), (await qwen25Files()).tokenizerJson);
});
afterAll(() => box.remove());

describe('exit codes are documented in --help', () => {
  it('the program help lists every code the CLI uses', async () => {
    const result = await runCli(['--help'], box.env);
    expect(result.code).toBe(0);
    const section = result.stdout.slice(result.stdout.indexOf('Exit codes:'));
    for (const code of ['0', '1', '2', '3', '70']) expect(section).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    expect(section).toMatch(/70 +internal error: a bug in tokprint/);
    expect(section).toMatch(/3 +a target request failed/);
    expect(section).toMatch(
      /or its answers were refused \(past a cap, a protocol violation, impossible billed counts\)/,
    );
  });

  it('identify --help gives its codes and the range of every sim: option', async () => {
    const { stdout } = await runCli(['identify', '--help'], box.env);
    expect(stdout).toMatch(
      /Exit codes: 0 a verdict \(match, derived or unknown\), 1 inconclusive, 2 bad input,\s+3 a target request failed, 70 internal error/,
    );
    expect(stdout).toMatch(/system=<chars> +hidden system prompt length, 0-200,000/);
    expect(stdout).toMatch(/--max-queries <n> +most requests to send, 1-1,000/);
  });

  it('compare and rescore --help say where their codes differ', async () => {
    expect((await runCli(['compare', '--help'], box.env)).stdout).toMatch(
      /Exit codes: 0 compared \(identical, derived or unrelated alike\), 2 bad input/,
    );
    expect((await runCli(['rescore', '--help'], box.env)).stdout).toMatch(
      /Exit codes: 0 a verdict, 1 inconclusive, 2 bad input/,
    );
  });
});

describe('bad paths are bad input (exit 2, one line), never an internal error', () => {
  const cases: [string, string[], (b: Sandbox) => NodeJS.ProcessEnv, RegExp][] = [
    [
      'refs add into a cache that is a file',
      ['refs', 'add', 'tokenizer.json', '--id', 'x-ref', '--family', 'qwen2'],
      (b) => ({ ...b.env, TOKPRINT_CACHE: join(b.root, 'a-file') }),
      /^tokprint: cannot (mkdir|take the lock) .*a-file\/sha256\/\w+.*: (not a directory|a part of the path is a file, not a directory) \(ENOTDIR\)\n$/,
    ],
    ['identify <file> --out a file', ['identify', 'tokenizer.json', '--out', 'a-file'], (b) => b.env, /a-file/],
    [
      'an http: spec that is a device',
      ['identify', 'http:/dev/zero'],
      (b) => b.env,
      /http:\/dev\/zero: cannot read the spec file \(\/dev\/zero is a character device, not a regular file\)/,
    ],
    [
      'a --ca-file that is a device',
      ['identify', 'openai:http://127.0.0.1:9/v1', '--model', 'm', '--ca-file', '/dev/zero'],
      (b) => b.env,
      /cannot read CA file \/dev\/zero: \/dev\/zero is a character device/,
    ],
  ];
  for (const [what, args, env, message] of cases) {
    it(what, async () => {
      const result = await runCli(args, env(box), box.root);
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.code).toBe(2);
      expect(isOneLine(result.stderr)).toBe(true);
      expect(result.stderr).toMatch(message);
    });
  }
});
