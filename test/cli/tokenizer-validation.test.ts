import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGguf } from '../../src/references/formats/gguf-write.js';
import { ggufTokenizerMetadata } from '../../src/references/formats/hf-to-gguf.js';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';
import { qwen25Files } from '../helpers/real-tokenizer.js';
import { tiktokenRanks } from '../helpers/tiktoken-fixture.js';

type Json = Record<string, any>;
let box: Sandbox;
let qwen: Json;

beforeAll(async () => {
  box = await makeSandbox();
  qwen = JSON.parse(new TextDecoder().decode((await qwen25Files()).tokenizerJson));
});
afterAll(() => box.remove());

/** The real Qwen2.5 tokenizer.json, changed by `edit`. */
function qwenWith(edit: (json: Json) => void): string {
  const json = structuredClone(qwen);
  edit(json);
  return JSON.stringify(json);
}

const encode = (text: string) => new TextEncoder().encode(text);

const cases: [string, string, () => string | Uint8Array, RegExp][] = [
  [
    'an unknown model.type',
    'tokenizer.json',
    () => qwenWith((j) => (j.model.type = 'Telepathy')),
    /model\.type "Telepathy" is not one tokprint reads \(BPE, Unigram, WordPiece\)/,
  ],
  [
    'an empty vocabulary',
    'tokenizer.json',
    () => qwenWith((j) => ((j.model.vocab = {}), (j.model.merges = []), (j.added_tokens = []))),
    /model\.vocab is empty/,
  ],
  [
    'two tokens with one id',
    'tokenizer.json',
    () => qwenWith((j) => (j.model.vocab.Ġhello = j.model.vocab.Ġworld)),
    /id \d+ is given to two tokens in model\.vocab \("Ġ(hello|world)" and "Ġ(hello|world)"\)/,
  ],
  [
    'an added token listed twice with two ids',
    'tokenizer.json',
    () => qwenWith((j) => j.added_tokens.push({ ...j.added_tokens[0], id: 151665 })),
    /added token "<\|endoftext\|>" appears twice \(ids 151643 and 151665\)/,
  ],
  [
    'an added token on a vocabulary id',
    'tokenizer.json',
    () => qwenWith((j) => (j.added_tokens[0].id = 100)),
    /id 100 is given to two tokens \(".*" and the added token "<\|endoftext\|>"\)/,
  ],
  [
    'a negative id',
    'tokenizer.json',
    () => qwenWith((j) => (j.model.vocab.Ġhello = -1)),
    /token "Ġhello" has id -1, out of range/,
  ],
  [
    'a fractional id',
    'tokenizer.json',
    () => qwenWith((j) => (j.model.vocab.Ġhello = 1.5)),
    /token "Ġhello" has id 1\.5, out of range/,
  ],
  [
    'an id past 2^22',
    'tokenizer.json',
    () => qwenWith((j) => (j.model.vocab.Ġhello = 2 ** 22)),
    /token "Ġhello" has id 4194304, out of range \(whole numbers from 0 to 4194303\)/,
  ],
  [
    'an id of 2^40',
    'tokenizer.json',
    () => qwenWith((j) => (j.model.vocab.Ġhello = 2 ** 40)),
    /has id 1099511627776, out of range/,
  ],
  [
    'a merge of a token not in the vocabulary',
    'tokenizer.json',
    () => qwenWith((j) => j.model.merges.splice(10, 0, ['Ġzzqx', 'qq'])),
    /merge 11 \("Ġzzqx" \+ "qq"\) names "Ġzzqx", which is not in model\.vocab/,
  ],
  [
    'a merge whose result is not in the vocabulary',
    'tokenizer.json',
    () => qwenWith((j) => j.model.merges.push(['Ġhello', 'Ġworld'])),
    /names "ĠhelloĠworld", which is not in model\.vocab/,
  ],
  [
    'a merge that is not two tokens',
    'tokenizer.json',
    () => qwenWith((j) => (j.model.merges[0] = ['Ġ'])),
    /merge 1 is not two tokens/,
  ],
  [
    'tiktoken ranks with bad base64',
    'ranks.tiktoken',
    () => encode(new TextDecoder().decode(tiktokenRanks()).replace('aGVsbA==', 'aGVsbA=')),
    /line 259 holds "aGVsbA=", which is not valid base64/,
  ],
  [
    'tiktoken ranks with non-canonical base64',
    'ranks.tiktoken',
    () => encode(new TextDecoder().decode(tiktokenRanks()).replace('aGVsbA==', 'aGVsbB==')),
    /line 259 holds "aGVsbB==", which is not valid base64/,
  ],
  [
    'a tiktoken rank past 2^22',
    'ranks.tiktoken',
    () => encode(`${new TextDecoder().decode(tiktokenRanks())}eHl6 99999999999\n`),
    /line 265 has rank 99999999999, out of range/,
  ],
  [
    'tiktoken ranks listing one rank twice',
    'ranks.tiktoken',
    () => encode(`${new TextDecoder().decode(tiktokenRanks())}eHl6 256\n`),
    /rank 256 appears on lines 257 and 265/,
  ],
  [
    'a GGUF without tokenizer.ggml.tokens',
    'model.gguf',
    () =>
      writeGguf({
        'general.architecture': { type: 'string', value: 'llama' },
        'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
      }),
    /GGUF file has no usable tokenizer\.ggml\.tokens/,
  ],
  [
    'a GGUF with no tokens',
    'model.gguf',
    () =>
      writeGguf({
        'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
        'tokenizer.ggml.tokens': { type: 'string[]', value: [] },
      }),
    /tokenizer\.ggml\.tokens is empty/,
  ],
  [
    'a GGUF with an unknown tokenizer model',
    'model.gguf',
    () =>
      writeGguf({
        'tokenizer.ggml.model': { type: 'string', value: 'rwkv' },
        'tokenizer.ggml.tokens': { type: 'string[]', value: ['a', 'b'] },
      }),
    /uses tokenizer model "rwkv"; tokprint reads gpt2/,
  ],
  [
    'a GGUF whose merges name tokens it lacks',
    'model.gguf',
    () => {
      const meta = ggufTokenizerMetadata(qwen, undefined, { pre: 'qwen2', name: 'acme' });
      const merges = meta['tokenizer.ggml.merges'].value as string[];
      return writeGguf({ ...meta, 'tokenizer.ggml.merges': { type: 'string[]', value: [...merges, 'Ġzzqx qq'] } });
    },
    /GGUF file: merge \d+ \("Ġzzqx" \+ "qq"\) names "Ġzzqx", which is not in model\.vocab/,
  ],
];

describe('damaged tokenizer files are refused when loaded, by refs add, identify and compare alike', () => {
  for (const [what, name, content, message] of cases) {
    it(`refuses ${what} in one line, exit 2, storing nothing`, async () => {
      const path = join(box.root, name);
      await writeFile(path, content());
      const preset = name.endsWith('.tiktoken') ? ['--tiktoken-preset', 'cl100k'] : [];
      for (const args of [
        ['refs', 'add', path, '--id', 'x-ref', '--family', 'qwen2', ...preset],
        ['identify', path, '--out', join(box.root, 'runs'), ...preset],
        ['compare', path, path, ...preset],
      ]) {
        const result = await runCli(args, box.env, box.root);
        expect({ args: args.slice(0, 2), code: result.code }).toEqual({ args: args.slice(0, 2), code: 2 });
        expect(isOneLine(result.stderr)).toBe(true);
        expect(result.stderr).toMatch(message);
        expect(result.stdout).toBe('');
      }
      expect(await box.files()).toEqual([]);
    });
  }

  it('still takes the real file it was made from', async () => {
    await writeFile(join(box.root, 'qwen.json'), JSON.stringify(qwen));
    const result = await runCli(['compare', 'qwen.json', 'qwen.json'], box.env, box.root);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('identical: same vocabulary, merges and segmentation');
  });
});
