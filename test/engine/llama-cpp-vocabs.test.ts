import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import { TRICKY_STRINGS } from '../../src/references/class-corpus.js';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { readFilesFromGitBundle } from '../../src/references/store/git-bundle.js';
import { pinnedPath } from '../../src/references/store/pinned-cache.js';
import { committedEntries, committedTokenizer } from '../helpers/manifest-references.js';

const EXTRA_STRINGS = [
  'a\u0301 e\u0301 A\u030a',
  'क्षत्रिय ठीक है',
  '    four spaces\n\n\n\n  \t\t x',
  '1234567 99999 3.0 007',
  'for (let i = 0; i < n; i++) {\n\tsum += a[i] ** 2;\n}',
  '\ufeff// a byte order mark first',
];
const STRINGS = [...TRICKY_STRINGS, ...EXTRA_STRINGS];

/**
 * llama.cpp vocabularies whose family has a committed Hugging Face tokenizer.json (run by @huggingface/tokenizers)
 * or another non-GGUF reference, and where the two tokenize differently, with why.
 */
const HF_PAIRS: { gguf: string; reference: string; divergences: Record<string, string> }[] = [
  {
    gguf: 'qwen2',
    reference: 'qwen2.5',
    divergences: { 'a\u0301 e\u0301 A\u030a': 'the tokenizer.json normalises to NFC; llama.cpp applies no normaliser' },
  },
  {
    gguf: 'qwen35',
    reference: 'qwen3',
    divergences: {
      'สวัสดีครับ ยินดีที่ได้รู้จัก':
        "Qwen3.5's split keeps Thai combining marks with the letters before them (9 tokens against Qwen3's 19)",
      'a\u0301 e\u0301 A\u030a': 'NFC in the tokenizer.json, none in llama.cpp',
    },
  },
  { gguf: 'llama-bpe', reference: 'llama3', divergences: {} },
  {
    gguf: 'command-r',
    reference: 'command-r',
    divergences: {
      '∑∫√∞≠≈ ½ ² ① ℃ ™ © ®':
        "the Digits pre-tokenizer of @huggingface/tokenizers (JavaScript) splits ASCII digits only (\\d), llama.cpp (and the Rust library's is_numeric) every \\p{N}: ' ½' is 2 tokens either way, but the text counts 23 in llama.cpp, 24 here",
      'ﬁ ﬂ ligatures and Ⅻ roman': 'the same: Ⅻ is a number to llama.cpp, not to \\d',
      'a\u0301 e\u0301 A\u030a': 'NFC in the tokenizer.json, none in llama.cpp',
    },
  },
  { gguf: 'llama-spm', reference: 'llama2', divergences: {} },
  { gguf: 'phi-3', reference: 'llama2', divergences: {} },
  { gguf: 'gpt-2', reference: 'r50k', divergences: {} },
];

const fromLlamaCpp = committedEntries().filter(
  (entry) => entry.source.kind === 'npm' && entry.source.package === 'node-llama-cpp' && entry.source.gitBundle,
);

let llama: Llama;
let scratch: string;
beforeAll(async () => {
  llama = await getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.disabled,
  });
  scratch = await mkdtemp(join(tmpdir(), 'tokprint-vocabs-'));
});
afterAll(async () => {
  await llama?.dispose();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Texts whose ids from llama.cpp (the GGUF loaded vocabulary-only) differ from `encode`'s. */
async function differingTexts(ggufPath: string, encode: (text: string) => number[]): Promise<string[]> {
  const model = await llama.loadModel({ modelPath: ggufPath, vocabOnly: true });
  try {
    return STRINGS.filter((text) => JSON.stringify([...model.tokenize(text, false)]) !== JSON.stringify(encode(text)));
  } finally {
    await model.dispose();
  }
}

describe('llama.cpp and the loader on the llama.cpp vocabularies the index holds', () => {
  it.each(fromLlamaCpp.map((entry) => entry.id))('%s: the same ids on every text', async (id) => {
    const entry = fromLlamaCpp.find((e) => e.id === id)!;
    const cacheRoot = process.env.TOKPRINT_CACHE ?? cacheDir();
    await fetchReferenceFiles(entry, { cacheRoot });
    const tokenizer = await committedTokenizer(id);
    expect(
      await differingTexts(pinnedPath(cacheRoot, entry.source.files.main.sha256), (t) => tokenizer.encode(t)),
    ).toEqual([]);
  });
});

describe('llama.cpp against the Hugging Face tokenizer of the same family', () => {
  it.each(HF_PAIRS.map(({ gguf, reference }) => [gguf, reference]))(
    'ggml-vocab-%s.gguf against %s: the same ids, except where a divergence is recorded',
    async (gguf, reference) => {
      const pair = HF_PAIRS.find((p) => p.gguf === gguf)!;
      const source = fromLlamaCpp[0].source;
      if (source.kind !== 'npm' || !source.gitBundle) throw new Error('unreachable');
      const root = join(dirname(createRequire(import.meta.url).resolve('node-llama-cpp')), '..');
      const path = `models/ggml-vocab-${gguf}.gguf`;
      const files = await readFilesFromGitBundle(
        await readFile(join(root, source.gitBundle.path)),
        source.gitBundle.commit,
        [path],
        'llama.cpp bundle',
      );
      const file = join(scratch, `${gguf}.gguf`);
      await writeFile(file, files.get(path)!);
      const tokenizer = await committedTokenizer(reference);
      expect(await differingTexts(file, (t) => tokenizer.encode(t))).toEqual(Object.keys(pair.divergences));
    },
  );
});
