import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { x as extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, shareReferenceFiles, type Sandbox } from './helpers/cli.js';
import { realTokenizerFiles } from './helpers/real-tokenizers.js';

const run = promisify(execFile);
const repo = process.cwd();
const TARGET = 'sim:cl100k';

interface PackedFile {
  path: string;
  mode: number;
}

/**
 * The package as a user gets it: `npm pack` of the built tree (`npm test` builds first), unpacked where a
 * user's install puts it. Its dependencies cannot be installed offline here, so the repository's
 * node_modules stands in for the ones an install would bring.
 */
describe('the packed package', () => {
  let sandbox: Sandbox;
  let installed: string;
  let files: PackedFile[];
  let unpackedSize: number;
  let manifest: { main: string; types: string; bin: Record<string, string>; exports: Record<string, unknown> };

  beforeAll(async () => {
    sandbox = await makeSandbox();
    await shareReferenceFiles(sandbox);
    const packed = join(sandbox.root, 'packed');
    await mkdir(packed);
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packed], {
      cwd: repo,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [info] = JSON.parse(stdout) as { filename: string; files: PackedFile[]; unpackedSize: number }[];
    files = info.files;
    unpackedSize = info.unpackedSize;
    installed = join(sandbox.root, 'project', 'node_modules', 'tokprint');
    await mkdir(installed, { recursive: true });
    await extract({ file: join(packed, info.filename), cwd: installed, strip: 1 });
    await symlink(join(repo, 'node_modules'), join(installed, 'node_modules'), 'dir');
    manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
  });

  afterAll(() => sandbox?.remove());

  it('ships a LICENSE with the Apache 2.0 text and no source maps pointing at sources it leaves out', async () => {
    const paths = files.map((f) => f.path);
    expect(paths).toContain('LICENSE');
    expect(await readFile(join(installed, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/'))).toEqual([]);
  });

  it('stays small: the package itself under 20 MB unpacked (its dependencies bring the install to about 56 MB)', () => {
    expect(unpackedSize).toBeGreaterThan(1_000_000);
    expect(unpackedSize).toBeLessThan(20 * 1024 * 1024);
    const paths = files.map((f) => f.path);
    expect(paths).toContain('schema/audit.schema.json');
    expect(paths).toContain('dist/bench/accuracy.js');
  });

  it('runs an audit and the accuracy bench from the installed bin', async () => {
    const project = join(sandbox.root, 'project');
    const bin = join(installed, manifest.bin.tokprint);
    await writeFile(
      join(project, 'tokprint.yaml'),
      `defaults: { maxQueries: 4, seed: 3 }\ntargets:\n  - id: ${TARGET}\n    expect: { family: [cl100k] }\n  - id: ${TARGET}\n    label: wrong on purpose\n    expect: { not: { family: [cl100k] } }\n`,
    );
    const audit = await run(bin, ['audit', '--json', '--quiet', '--junit', 'audit.xml', '--out', 'audit-runs'], {
      cwd: project,
      env: sandbox.env,
    }).then(
      () => {
        throw new Error('an audit with an unmet expectation exited 0');
      },
      (error: { code: number; stdout: string }) => error,
    );
    expect(audit.code).toBe(1);
    expect(JSON.parse(audit.stdout).targets.map((t: { outcome: string }) => t.outcome)).toEqual(['passed', 'failed']);
    expect(await readFile(join(project, 'audit.xml'), 'utf8')).toMatch(
      /<testsuites [^>]*tests="2" failures="1" errors="0"/,
    );

    const bench = await run(bin, ['bench', 'accuracy', '--sections', 'closed', '--closed', '1', '--only', 'cl100k'], {
      cwd: project,
      env: sandbox.env,
    });
    expect(bench.stdout).toMatch(/\| cl100k \| 100\.0% \(1\/1\) \|/);
  });

  it('holds the files its main, types, exports and bin name', () => {
    const paths = new Set(files.map((f) => f.path));
    const named = [manifest.main, manifest.types, ...Object.values(manifest.bin), ...exportTargets(manifest.exports)];
    expect(named.length).toBeGreaterThan(3);
    for (const path of named) expect(paths, path).toContain(path.replace(/^\.\//, ''));
  });

  it("identifies a sim: target and compares two tokenizer files through the package's entry, with the verdict the bin gives", async () => {
    const project = join(sandbox.root, 'project');
    await writeFile(join(project, 'qwen2.5.json'), (await realTokenizerFiles('qwen2.5')).main);
    await writeFile(join(project, 'qwen3.json'), (await realTokenizerFiles('qwen3')).main);
    const script = join(project, 'identify.mjs');
    await writeFile(
      script,
      [
        "import { identify, compare, loadIndex, DEFAULT_BUDGET } from 'tokprint';",
        'const index = await loadIndex();',
        `const result = await identify(${JSON.stringify(TARGET)}, { index, seed: 3 });`,
        "const comparison = await compare('qwen2.5.json', 'qwen3.json');",
        'process.stdout.write(JSON.stringify({ verdict: result.verdict, queries: result.queries,',
        '  references: index.counts.references.length, budget: DEFAULT_BUDGET, comparison }));',
      ].join('\n'),
    );
    const library = await run(process.execPath, [script], { cwd: project, env: sandbox.env });
    const fromLibrary = JSON.parse(library.stdout);
    expect(fromLibrary.comparison).toMatchObject({
      verdict: 'derived',
      base: 'a',
      formats: { a: 'hf-json', b: 'hf-json' },
    });
    expect(fromLibrary.references).toBeGreaterThan(10);
    expect(fromLibrary.queries).toBeLessThanOrEqual(fromLibrary.budget.maxQueries);
    expect(fromLibrary.verdict.status).toBe('match');
    expect(fromLibrary.verdict.class).toContain('cl100k');

    // The bin as npm links it: run directly, by its shebang and mode.
    const bin = join(installed, manifest.bin.tokprint);
    const cli = await run(bin, ['identify', TARGET, '--seed', '3', '--json', '--out', join(project, 'runs')], {
      cwd: project,
      env: sandbox.env,
    });
    const fromBin = JSON.parse(cli.stdout);
    expect(fromBin.verdict.status).toBe(fromLibrary.verdict.status);
    expect(fromBin.verdict.reference).toBe(fromLibrary.verdict.reference);
    expect(fromBin.verdict.class).toEqual(fromLibrary.verdict.class);
  });

  it('gives a TypeScript consumer the typed API through the exports map', async () => {
    const project = join(sandbox.root, 'project');
    await writeFile(
      join(project, 'consumer.ts'),
      [
        "import { identify, compare, type IdentifyResult, type CompareResult, type VerdictStatus } from 'tokprint';",
        'export async function check(): Promise<VerdictStatus> {',
        "  const result: IdentifyResult = await identify('sim:cl100k', { budget: { maxQueries: 4 } });",
        "  const comparison: CompareResult = await compare('./a.json', './b.json');",
        "  return comparison.verdict === 'identical' ? result.verdict.status : 'unknown';",
        '}',
      ].join('\n'),
    );
    await writeFile(join(project, 'misuse.ts'), "import { identify } from 'tokprint';\nidentify(42);\n");
    const types = ['--types', 'node', '--typeRoots', join(repo, 'node_modules', '@types')];
    const options = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', ...types];
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    // one compile of both: the misuse is refused, so the consumer was checked against real types, and passed
    const checked = await run(process.execPath, [tsc, ...options, 'consumer.ts', 'misuse.ts'], { cwd: project }).then(
      () => ({ stdout: '' }),
      (error: { stdout: string }) => error,
    );
    const errors = checked.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^misuse\.ts\(2,10\): error TS2345/);
  });
});

function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (!exports || typeof exports !== 'object') return [];
  return Object.entries(exports).flatMap(([key, value]) => (key.includes('*') ? [] : exportTargets(value)));
}
