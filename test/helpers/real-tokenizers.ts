import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import type { Tokenizer } from '../../src/references/tokenizer.js';
import { committedTokenizer, committedEntry } from './manifest-references.js';

/** The real tokenizer.json references these tests use, pinned by the committed manifest. */
export type RealTokenizerName = 'qwen2.5' | 'qwen3' | 'llama3' | 'gemma3' | 'yi' | 'baichuan2';

export interface RealFiles {
  main: Uint8Array;
  config: Uint8Array;
}

/** tokenizer.json and tokenizer_config.json, read from the shared cache ($TOKPRINT_CACHE or the user's). */
export async function realTokenizerFiles(name: RealTokenizerName): Promise<RealFiles> {
  const files = await fetchReferenceFiles(committedEntry(name), {
    cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir(),
  });
  return { main: files.main, config: files.config! };
}

/** The loaded tokenizer, once per test file. */
export function realTokenizer(name: RealTokenizerName): Promise<Tokenizer> {
  return committedTokenizer(name);
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
export function extendVocabulary(
  main: Uint8Array,
  count: number,
): { bytes: Uint8Array; added: { text: string; parts: [number, number] }[] } {
  const json = parse(main);
  const vocab: Record<string, number> = json.model.vocab;
  const words = Object.entries(vocab)
    .filter(([token]) => /^Ġ[a-z]{4,8}$/.test(token))
    .sort((x, y) => x[1] - y[1]);
  const tails = Object.entries(vocab)
    .filter(([token]) => /^[a-z]{3,6}$/.test(token))
    .sort((x, y) => x[1] - y[1]);
  let next =
    [...Object.values(vocab), ...json.added_tokens.map((t: Json) => t.id as number)].reduce(
      (x, y) => Math.max(x, y),
      -1,
    ) + 1;
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
        ? Object.fromEntries(
            Object.entries(value)
              .reverse()
              .map(([k, v]) => [k, reverse(v)]),
          )
        : value;
  return new TextEncoder().encode(JSON.stringify(reverse(parse(main)), null, 2));
}
