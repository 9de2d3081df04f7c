import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { committedEntry } from '../helpers/manifest-references.js';
import { extendVocabulary } from '../helpers/real-tokenizers.js';

describe("refs add, refs build, identify: a reference of the user's own", () => {
  let box: Sandbox;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // The shared cache keeps the built-in references' files; the user's home is the sandbox's own.
    box = await makeSandbox();
    env = { ...box.env, TOKPRINT_CACHE: process.env.TOKPRINT_CACHE ?? cacheDir() };
    const cacheRoot = env.TOKPRINT_CACHE!;
    const yi = await fetchReferenceFiles(committedEntry('yi'), { cacheRoot });
    await writeFile(join(box.root, 'yi-copy.json'), yi.main);
    const deepseek = await fetchReferenceFiles(committedEntry('deepseek-v3'), { cacheRoot });
    await writeFile(join(box.root, 'extended.json'), extendVocabulary(deepseek.main, 3000).bytes);
  });
  afterAll(() => box.remove());

  it('adds two references and indexes them without rebuilding the built-in ones', async () => {
    for (const [file, id] of [
      ['yi-copy.json', 'acme-yi'],
      ['extended.json', 'acme-extended'],
    ]) {
      const added = await runCli(
        [
          'refs',
          'add',
          file,
          '--id',
          id,
          '--family',
          'acme',
          '--publisher',
          'Acme',
          '--jurisdiction',
          'US',
          '--model',
          `Acme ${id}`,
        ],
        env,
        box.root,
      );
      expect(added.code, added.stderr).toBe(0);
    }
    const built = await runCli(['refs', 'build'], env, box.root);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/acme-yi: same class as yi/);
    expect(built.stdout).toMatch(/acme-extended: a class of its own/);
    expect(built.stderr).not.toMatch(/loaded deepseek-v3|loaded gemma3/);

    const listed = JSON.parse((await runCli(['refs', 'list', '--json'], env, box.root)).stdout);
    expect(listed.find((r: { id: string }) => r.id === 'acme-yi').class).toBe('yi');
    expect(listed.find((r: { id: string }) => r.id === 'acme-extended').class).toBe('acme-extended');
    const membership = JSON.parse(await readFile(join(box.home, 'index', 'vocab-membership.json'), 'utf8'));
    expect(membership.classes.map((c: { id: string }) => c.id)).toContain('acme-extended');
    expect(membership.classes.map((c: { id: string }) => c.id)).not.toContain('acme-yi');
  });

  it('identifies a target built on the user reference as its class, with the user reference in it', async () => {
    const result = await runCli(
      ['identify', 'sim:acme-yi?template=chatml&system=300', '--json', '--out', join(box.root, 'runs'), '--quiet'],
      env,
      box.root,
    );
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.verdict.status).toBe('match');
    expect(json.verdict.class).toEqual(expect.arrayContaining(['yi', 'acme-yi']));
    expect(json.verdict.models).toContain('Acme acme-yi');
  });
});
