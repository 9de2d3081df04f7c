import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Data flows one way: a stage imports only from stages before it. The order is the README's: probes and
 * targets feed observations, signatures, scores, then the run, its reports and the CLI that wires them.
 */
const STAGES = [
  'util',
  'references',
  'probes',
  'targets',
  'signatures',
  'scoring',
  'planning',
  'lineage',
  'run',
  'report',
  'cli',
];

const root = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The stage a source file belongs to: its first folder under src/. */
function stageOf(path: string): string | undefined {
  const parts = relative(join(root, 'src'), path).split(/[\\/]/);
  return parts.length > 1 ? parts[0] : undefined;
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) =>
    resolve(dirname(file), m[1] as string),
  );
}

describe('stage layering', () => {
  const files = sourceFiles(join(root, 'src'));

  it('knows the stage of every source folder', () => {
    const stages = new Set(files.map(stageOf).filter((s) => s !== undefined));
    expect([...stages].filter((s) => !STAGES.includes(s))).toEqual([]);
  });

  it('has no import from a later stage', () => {
    const backwards: string[] = [];
    for (const file of files) {
      const from = stageOf(file);
      if (from === undefined) continue;
      for (const target of relativeImports(file)) {
        const to = stageOf(target);
        if (to === undefined || to === from) continue;
        if (STAGES.indexOf(to) > STAGES.indexOf(from))
          backwards.push(`${relative(root, file)} imports ${relative(root, target)}`);
      }
    }
    expect(backwards).toEqual([]);
  });
});
