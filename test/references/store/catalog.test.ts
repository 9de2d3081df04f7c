import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addUserEntry,
  closestIds,
  describeSource,
  loadCatalog,
  readClasses,
  requireEntry,
} from '../../../src/references/catalog.js';
import type { ReferenceEntry } from '../../../src/references/manifest.js';
import { tokprintHome } from '../../../src/references/store/tokprint-home.js';

const SHA = 'a'.repeat(64);
const userEntry = (id: string): ReferenceEntry => ({
  id,
  family: 'acme',
  publisher: 'Acme',
  jurisdiction: 'US',
  license: 'MIT',
  models: ['Acme 7B'],
  format: 'hf-json',
  source: {
    kind: 'local',
    origin: '/somewhere/tokenizer.json',
    files: { main: { path: 'tokenizer.json', sha256: SHA } },
  },
});

let home: string;
beforeEach(async () => void (home = await mkdtemp(join(tmpdir(), 'tokprint-catalog-'))));
afterEach(() => rm(home, { recursive: true, force: true }));

describe('tokprintHome', () => {
  it('prefers TOKPRINT_HOME, then XDG_CONFIG_HOME', () => {
    expect(tokprintHome({ TOKPRINT_HOME: '/a' })).toBe('/a');
    expect(tokprintHome({ XDG_CONFIG_HOME: '/x' })).toBe('/x/tokprint');
  });
});

describe('catalog', () => {
  it('merges the committed manifest with the user manifest, which starts empty', async () => {
    const env = { TOKPRINT_HOME: home };
    const before = await loadCatalog({ env });
    expect(before.userManifestPath).toBe(join(home, 'index', 'manifest.json'));
    expect(before.entries.every((e) => e.origin === 'committed')).toBe(true);
    await addUserEntry(before, userEntry('acme-7b'));
    const after = await loadCatalog({ env });
    expect(after.entries.length).toBe(before.entries.length + 1);
    expect(after.entries.at(-1)).toMatchObject({ origin: 'user', entry: { id: 'acme-7b' } });
    const written = JSON.parse(await readFile(after.userManifestPath, 'utf8'));
    expect(written.schema).toBe(1);
    expect(written.references).toHaveLength(1);
  });

  it('refuses a duplicate id at add time, for user and built-in ids alike', async () => {
    const catalog = await loadCatalog({ env: { TOKPRINT_HOME: home } });
    await addUserEntry(catalog, userEntry('acme-7b'));
    const again = await loadCatalog({ env: { TOKPRINT_HOME: home } });
    await expect(addUserEntry(again, userEntry('acme-7b'))).rejects.toThrow(
      /"acme-7b" is already in .*manifest\.json; choose another --id/,
    );
    const builtIn = again.entries.find((e) => e.origin === 'committed');
    if (builtIn)
      await expect(addUserEntry(again, userEntry(builtIn.entry.id))).rejects.toThrow(/is a built-in reference/);
  });

  it('refuses a user manifest that shadows a built-in id, or is not a manifest', async () => {
    const catalog = await loadCatalog({ env: { TOKPRINT_HOME: home } });
    await mkdir(join(home, 'index'), { recursive: true });
    const builtIn = catalog.entries.find((e) => e.origin === 'committed');
    if (builtIn) {
      await writeFile(
        catalog.userManifestPath,
        JSON.stringify({ schema: 1, references: [userEntry(builtIn.entry.id)] }),
      );
      await expect(loadCatalog({ env: { TOKPRINT_HOME: home } })).rejects.toThrow(/already a built-in reference/);
    }
    await writeFile(catalog.userManifestPath, '{"schema": 1, "references": [');
    await expect(loadCatalog({ env: { TOKPRINT_HOME: home } })).rejects.toThrow(/is not valid JSON/);
    await writeFile(catalog.userManifestPath, '[]');
    await expect(loadCatalog({ env: { TOKPRINT_HOME: home } })).rejects.toThrow(/is not a tokprint manifest/);
  });

  it('suggests close ids for an unknown one', async () => {
    expect(closestIds('qwen2', ['qwen2.5', 'qwen3', 'llama3'])).toEqual(['qwen2.5', 'qwen3']);
    expect(closestIds('lama3', ['qwen2.5', 'llama3'])).toEqual(['llama3']);
    expect(closestIds('zzzzzz', ['qwen2.5'])).toEqual([]);
    const catalog = await loadCatalog({ env: { TOKPRINT_HOME: home } });
    await addUserEntry(catalog, userEntry('acme-7b'));
    expect(() =>
      requireEntry({ ...catalog, entries: [{ entry: userEntry('acme-7b'), origin: 'user' }] }, 'acme-7'),
    ).toThrow('unknown reference "acme-7"; did you mean acme-7b?');
  });

  it('describes each kind of source in one short string', () => {
    const files = { main: { path: 'models/tokenizer.json', sha256: SHA } };
    expect(
      describeSource({ ...userEntry('a'), source: { kind: 'npm', package: '@x/y', version: '1.0.0', files } }),
    ).toBe('npm:@x/y@1.0.0/models/tokenizer.json');
    expect(describeSource({ ...userEntry('a'), source: { kind: 'hf', repo: 'o/r', revision: 'abc', files } })).toBe(
      'hf:o/r@abc/models/tokenizer.json',
    );
    expect(describeSource(userEntry('a'))).toBe('local:/somewhere/tokenizer.json');
  });

  it('reads classes from a built index.json, and none when there is no index', async () => {
    const index = {
      schema: 1,
      corpusSize: 1,
      corpusHash: 'x',
      classes: [],
      references: [{ id: 'a', family: 'f', class: 'f-1' }],
    };
    await writeFile(join(home, 'index.json'), JSON.stringify(index));
    expect(await readClasses(home)).toEqual(new Map([['a', 'f-1']]));
    expect(await readClasses(join(home, 'none'))).toEqual(new Map());
  });
});
