import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/util/file-lock.js';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { qwen25Files, type RealTokenizerFiles } from '../helpers/real-tokenizer.js';
import { spawnCli } from '../helpers/spawn-cli.js';

let qwen: RealTokenizerFiles;
let box: Sandbox;

beforeAll(async () => void (qwen = await qwen25Files()));
beforeEach(async () => {
  box = await makeSandbox();
  await writeFile(join(box.root, 'tokenizer.json'), qwen.tokenizerJson);
});
afterEach(() => box.remove());

const manifestIds = async () =>
  (JSON.parse(await readFile(join(box.home, 'index', 'manifest.json'), 'utf8')).references as { id: string }[])
    .map((r) => r.id)
    .sort();

describe('the user index under concurrent writers', () => {
  it('16 refs add processes at once: every one that says "added" is in the manifest, and all 16 are', async () => {
    const ids = Array.from({ length: 16 }, (_, i) => `acme-${String(i).padStart(2, '0')}`);
    const results = await Promise.all(
      ids.map(
        (id) =>
          spawnCli(['refs', 'add', 'tokenizer.json', '--id', id, '--family', 'qwen2'], { cwd: box.root, env: box.env })
            .done,
      ),
    );
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^added acme-\d\d /);
    }
    expect(await manifestIds()).toEqual(ids);
    // the lock is gone once they have all finished
    const left = await readFile(join(box.home, 'index', '.lock')).then(
      () => 'file',
      (error) => error.code,
    );
    expect(['ENOENT', 'EISDIR']).toContain(left);
  });

  it('a lock left by a killed process (no longer refreshed) is taken over, and refs build and refs add go ahead', async () => {
    const lock = join(box.home, 'index', '.lock');
    await mkdir(lock, { recursive: true });
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(lock, longAgo, longAgo);
    const added = await spawnCli(['refs', 'add', 'tokenizer.json', '--id', 'acme-7b', '--family', 'qwen2'], {
      cwd: box.root,
      env: box.env,
    }).done;
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(await manifestIds()).toEqual(['acme-7b']);
    await mkdir(lock);
    await utimes(lock, longAgo, longAgo);
    const built = await spawnCli(['refs', 'build'], { cwd: box.root, env: box.env }).done;
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/^acme-7b: same class as qwen2\.5/m);
  });

  it('a lock held (and kept fresh) by a live process: refs add waits, then gives up in one line, exit 2, and writes nothing', async () => {
    const held = await acquireLock({ lockPath: join(box.home, 'index', '.lock'), busy: 'held by the test' });
    try {
      const result = await runCli(
        ['refs', 'add', 'tokenizer.json', '--id', 'acme-7b', '--family', 'qwen2'],
        box.env,
        box.root,
      );
      expect(result.code).toBe(2);
      expect(isOneLine(result.stderr)).toBe(true);
      expect(result.stderr).toMatch(/the user index is locked by another tokprint process/);
      expect(result.stdout).toBe('');
    } finally {
      await held.release();
    }
    await expect(readFile(join(box.home, 'index', 'manifest.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('an index directory that is a file: one line, exit 2', async () => {
    await writeFile(join(box.root, 'not-a-dir'), 'x');
    const result = await spawnCli(['refs', 'add', 'tokenizer.json', '--id', 'acme-7b', '--family', 'qwen2'], {
      cwd: box.root,
      env: { ...box.env, TOKPRINT_HOME: join(box.root, 'not-a-dir') },
    }).done;
    expect(result.code).toBe(2);
    expect(isOneLine(result.stderr)).toBe(true);
    expect(result.stderr).toContain('not-a-dir');
    expect(result.stdout).toBe('');
  });
});
