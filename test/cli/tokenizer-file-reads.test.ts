import { execFileSync } from 'node:child_process';
import { mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGguf } from '../../src/references/formats/gguf-write.js';
import { ggufTokenizerMetadata } from '../../src/references/formats/hf-to-gguf.js';
import { pinnedPath } from '../../src/references/store/pinned-cache.js';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { qwen25Files } from '../helpers/real-tokenizer.js';

const GiB = 2 ** 30;
let box: Sandbox;
let socketServer: Server;

beforeAll(async () => {
  box = await makeSandbox();
  await mkdir(box.root, { recursive: true });
  execFileSync('mkfifo', [join(box.root, 'pipe.json')]);
  await mkdir(join(box.root, 'model-with-pipe'));
  execFileSync('mkfifo', [join(box.root, 'model-with-pipe', 'tokenizer.json')]);
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer.listen(join(box.root, 'tokenizer.sock'), resolve));
});
afterAll(async () => {
  await new Promise((resolve) => socketServer.close(resolve));
  await box.remove();
});

async function refused(args: string[], message: RegExp): Promise<void> {
  const result = await runCli(args, box.env, box.root);
  expect(result.code).toBe(2);
  expect(isOneLine(result.stderr)).toBe(true);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/internal error/);
}

describe('tokenizer files that are not regular files', () => {
  const cases: [string, string, RegExp][] = [
    ['a character device that never ends', '/dev/zero', /\/dev\/zero is a character device, not a regular file/],
    ['an empty character device', '/dev/null', /\/dev\/null is a character device, not a regular file/],
    ['a named pipe', 'pipe.json', /pipe\.json is a named pipe, not a regular file/],
    ['a named pipe inside a model directory', 'model-with-pipe', /tokenizer\.json is a named pipe, not a regular file/],
    ['a socket', 'tokenizer.sock', /tokenizer\.sock is a socket, not a regular file/],
  ];
  for (const [what, path, message] of cases) {
    it(`identify, compare and refs add refuse ${what} in one line, exit 2`, async () => {
      await refused(['identify', path, '--out', join(box.root, 'runs')], message);
      await refused(['compare', path, path], message);
      await refused(['refs', 'add', path, '--id', 'x-ref', '--family', 'qwen2'], message);
    });
  }
});

describe('caps on what is read', () => {
  it('refuses a tokenizer.json larger than 1 GiB without reading it', async () => {
    const path = join(box.root, 'huge', 'tokenizer.json');
    await mkdir(join(box.root, 'huge'));
    await writeFile(path, '{"model": {"vocab": {');
    await truncate(path, GiB + 1); // sparse: no disk, and nothing to read if the cap holds
    await refused(
      ['identify', path, '--out', join(box.root, 'runs')],
      /tokenizer\.json is larger than 1 GiB, the most tokprint reads from a tokenizer\.json, tiktoken or config file/,
    );
    await refused(['refs', 'add', join(box.root, 'huge'), '--id', 'x-ref', '--family', 'qwen2'], /larger than 1 GiB/);
  });

  it('refuses a GGUF whose metadata claims a key longer than the 1 GiB header cap', async () => {
    const path = join(box.root, 'huge-key.gguf');
    const header = Buffer.alloc(32);
    header.write('GGUF', 0, 'latin1');
    header.writeUInt32LE(3, 4);
    header.writeBigUInt64LE(0n, 8); // tensors
    header.writeBigUInt64LE(1n, 16); // key/values
    header.writeBigUInt64LE(2n ** 31n, 24); // length of the first key
    await writeFile(path, header);
    await truncate(path, 3 * GiB);
    await refused(['identify', path, '--out', join(box.root, 'runs')], /metadata header is larger than 1 GiB/);
  });

  it('reads a multi-gigabyte GGUF model by its metadata header only, and pins that header', async () => {
    const qwen = await qwen25Files();
    const gguf = writeGguf(
      ggufTokenizerMetadata(JSON.parse(new TextDecoder().decode(qwen.tokenizerJson)), undefined, {
        pre: 'qwen2',
        name: 'acme',
      }),
    );
    const path = join(box.root, 'acme-8g.gguf');
    await writeFile(path, gguf);
    await truncate(path, 8 * GiB); // tensor data past the header, sparse; a whole-file read would fail or take minutes
    expect((await stat(path)).size).toBe(8 * GiB);
    const identified = await runCli(['identify', path, '--json', '--out', join(box.root, 'runs')], box.env, box.root);
    expect(identified.stderr).toBe('');
    expect(identified.code).toBe(0);
    expect(JSON.parse(identified.stdout).verdict.family).toBe('qwen2');

    const added = await runCli(['refs', 'add', path, '--id', 'acme-8g', '--family', 'qwen2'], box.env, box.root);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const manifest = JSON.parse(await readFile(join(box.home, 'index', 'manifest.json'), 'utf8'));
    const pinned = await stat(pinnedPath(box.cache, manifest.references[0].source.files.main.sha256));
    expect(pinned.size).toBeLessThanOrEqual(gguf.length);
    expect(pinned.size).toBeGreaterThan(gguf.length / 2);
  });
});
