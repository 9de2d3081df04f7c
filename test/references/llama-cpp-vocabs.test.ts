import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFilesFromGitBundle } from '../../src/references/store/git-bundle.js';
import { committedEntries, committedTokenizer } from '../helpers/manifest-references.js';

/** The committed references read out of llama.cpp's source, which node-llama-cpp (a devDependency) ships as a git bundle. */
const fromLlamaCpp = committedEntries().filter(
  (entry) => entry.source.kind === 'npm' && entry.source.package === 'node-llama-cpp' && entry.source.gitBundle,
);

/** Where the loader's ids depart from llama.cpp's expected ids for a test text, and why (none today). */
const DIVERGENCES: Record<string, string[]> = {};

const SEPARATOR = '\n__ggml_vocab_test__\n';

/** Splits an .inp file and its .out file as llama.cpp's tests/test-tokenizer-0.cpp does. */
function readCases(inp: string, out: string): { text: string; ids: number[] }[] {
  const texts: string[] = [];
  for (let at = 0; at < inp.length; ) {
    const next = inp.indexOf(SEPARATOR, at);
    if (next < 0) {
      texts.push(inp.slice(at));
      break;
    }
    texts.push(inp.slice(at, next));
    at = next + SEPARATOR.length;
  }
  const lines = out.split('\n');
  return texts.map((text, i) => ({ text, ids: lines[i].trim() ? lines[i].trim().split(' ').map(Number) : [] }));
}

const bundleFiles = new Map<string, Uint8Array>();

beforeAll(async () => {
  // the package's exports hide package.json, so its root is found from its main module (dist/index.js)
  const root = join(dirname(createRequire(import.meta.url).resolve('node-llama-cpp')), '..');
  const [first] = fromLlamaCpp;
  if (first.source.kind !== 'npm' || !first.source.gitBundle) throw new Error('unreachable');
  const installed = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).version;
  expect(installed, 'the installed node-llama-cpp is the version the manifest pins').toBe(first.source.version);
  const bundle = await readFile(join(root, first.source.gitBundle.path));
  // gpt-neox's vocabulary is the one llama.cpp has no test texts for; its entry says so
  const withTexts = fromLlamaCpp.filter((entry) => !/No \.inp\/\.out in llama\.cpp/.test(entry.verification ?? ''));
  const paths = withTexts.flatMap((entry) => [
    `${entry.source.files.main.path}.inp`,
    `${entry.source.files.main.path}.out`,
  ]);
  const found = await readFilesFromGitBundle(bundle, first.source.gitBundle.commit, paths, 'llama.cpp bundle');
  for (const [path, bytes] of found) bundleFiles.set(path, bytes);
});

describe('references from llama.cpp vocabularies', () => {
  it('covers the families the index promises, all from one bundle at one commit', () => {
    expect(fromLlamaCpp.map((entry) => entry.id).sort()).toEqual(
      [
        'deepseek-coder',
        'deepseek-llm',
        'falcon',
        'gemma4',
        'gpt-neox',
        'mpt',
        'phi-3',
        'qwen3.5-split',
        'starcoder',
      ].sort(),
    );
    const pins = new Set(
      fromLlamaCpp.map((entry) =>
        entry.source.kind === 'npm' ? `${entry.source.version} ${entry.source.gitBundle?.commit}` : '',
      ),
    );
    expect(pins.size).toBe(1);
  });

  it("gpt-neox, which has no test texts, holds mpt's vocabulary and merges and differs from it by llama.cpp's default split alone", async () => {
    const [neox, mpt] = await Promise.all([committedTokenizer('gpt-neox'), committedTokenizer('mpt')]);
    expect(neox.vocabSize).toBe(mpt.vocabSize);
    for (let id = 0; id < mpt.vocabSize; id++) expect(neox.tokenString(id)).toBe(mpt.tokenString(id));
    expect(Array.from(neox.structure!.mergeIds!)).toEqual(Array.from(mpt.structure!.mergeIds!));
    // GPT-2's split keeps a space with the digits and punctuation after it; llama.cpp's default splits those apart
    const text = 'Total: 1234567 items!!! (approx.)';
    expect(neox.encode(text)).not.toEqual(mpt.encode(text));
    expect(neox.encode('The quick brown fox')).toEqual(mpt.encode('The quick brown fox'));
  });

  it.each(fromLlamaCpp.map((entry) => entry.id))(
    '%s gives the ids of llama.cpp test-tokenizer-0 expectations, text by text',
    async (id) => {
      const entry = fromLlamaCpp.find((e) => e.id === id)!;
      const inp = bundleFiles.get(`${entry.source.files.main.path}.inp`);
      const out = bundleFiles.get(`${entry.source.files.main.path}.out`);
      if (!inp || !out) {
        expect(id).toBe('gpt-neox');
        return;
      }
      const cases = readCases(new TextDecoder().decode(inp), new TextDecoder().decode(out));
      expect(cases.length).toBeGreaterThanOrEqual(40);
      expect(entry.verification).toContain(`all ${cases.length} texts`);
      const tokenizer = await committedTokenizer(id);
      const differing = cases.filter(({ text, ids }) => JSON.stringify(tokenizer.encode(text)) !== JSON.stringify(ids));
      expect(differing.map(({ text }) => text)).toEqual(DIVERGENCES[id] ?? []);
    },
  );
});
