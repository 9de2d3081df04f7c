import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MISSING_RUNTIME } from '../../src/lineage/activations/runtime.js';
import { realTokenizerFiles } from '../helpers/real-tokenizers.js';
import { seededBase, writeTinyModelDir } from '../helpers/tiny-onnx-models.js';

/**
 * An install without the optional onnxruntime-node: the built tree copied beside a node_modules that links
 * every installed package but that one, so the CLI's import of it really fails to resolve.
 */
let root: string;
let app: string;

function runBuilt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TOKPRINT_CACHE: process.env.TOKPRINT_CACHE };
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [join(app, 'dist', 'src', 'cli', 'main.js'), ...args],
      { cwd: root, env },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    ),
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-no-onnxruntime-'));
  app = join(root, 'app');
  const repo = process.cwd();
  await cp(join(repo, 'dist', 'src'), join(app, 'dist', 'src'), { recursive: true });
  await cp(join(repo, 'package.json'), join(app, 'package.json'));
  for (const data of ['probes', 'reference-tokenizers']) await symlink(join(repo, data), join(app, data), 'dir');
  await mkdir(join(app, 'node_modules'));
  for (const name of await readdir(join(repo, 'node_modules')))
    if (name !== 'onnxruntime-node' && name !== '.bin')
      await symlink(join(repo, 'node_modules', name), join(app, 'node_modules', name), 'dir');
  const qwen = await realTokenizerFiles('qwen2.5');
  const shape = { rows: 256, hidden: 8, ffn: 16, layers: 2 };
  writeTinyModelDir(join(root, 'a'), seededBase(41, shape), qwen);
  writeTinyModelDir(join(root, 'b'), seededBase(42, shape), qwen);
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe('compare --activations without onnxruntime-node installed', () => {
  it('says how to install it in one line and exits 2; compare without the flag still works', async () => {
    const missing = await runBuilt(['compare', 'a', 'b', '--activations']);
    expect(missing.stderr).toBe(`tokprint: ${MISSING_RUNTIME}\n`);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    const plain = await runBuilt(['compare', 'a', 'b']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('\nA: a (hf-json)\nB: b (hf-json)\n');
  });
});
