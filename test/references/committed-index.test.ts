import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ReferenceIndex } from '../../src/references/index-build.js';
import { runCli } from '../helpers/cli.js';
import { committedEntries } from '../helpers/manifest-references.js';

const index: ReferenceIndex = JSON.parse(
  readFileSync(new URL('../../reference-tokenizers/index.json', import.meta.url), 'utf8'),
);

describe('the committed reference index', () => {
  it('indexes every manifest entry, each checked against an independent encoder', () => {
    const entries = committedEntries();
    expect(index.references.map((r) => r.id).sort()).toEqual(entries.map((e) => e.id).sort());
    for (const entry of entries) expect(entry.verification, entry.id).toMatch(/test\/references\//);
  });

  it('puts every reference in exactly one class of its own family', () => {
    const members = index.classes.flatMap((c) => c.members);
    expect(new Set(members).size).toBe(members.length);
    for (const reference of index.references) {
      const home = index.classes.find((c) => c.id === reference.class)!;
      expect(home.members, reference.id).toContain(reference.id);
      expect(home.family, reference.id).toBe(reference.family);
    }
  });

  it('is listed by refs list --json: at least 20 references in at least 16 classes', async () => {
    const result = await runCli(['refs', 'list', '--json'], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TOKPRINT_HOME: '/nonexistent-tokprint-home',
    });
    expect(result.code).toBe(0);
    const listed: {
      id: string;
      family: string;
      class: string;
      publisher: string;
      models: string[];
      source: string;
      sha256: string;
    }[] = JSON.parse(result.stdout);
    expect(listed.length).toBeGreaterThanOrEqual(20);
    expect(new Set(listed.map((r) => r.class)).size).toBeGreaterThanOrEqual(16);
    for (const r of listed) {
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.source).toMatch(/^npm:/);
      expect(r.models.length, r.id).toBeGreaterThan(0);
    }
  });
});
