import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat, parseHfSpec, resolveTokenizerSource } from '../../../src/references/local-source.js';
import { UserError } from '../../../src/util/errors.js';
import { qwen25Files, type RealTokenizerFiles } from '../../helpers/real-tokenizer.js';
import { startFakeHub, type FakeHub } from '../../helpers/fake-hf-hub.js';

const encode = (text: string) => new TextEncoder().encode(text);
const RANKS = encode('IQ== 0\nIg== 1\nIw== 2\n');
const GGUF = new Uint8Array([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0]);
const COMMIT = 'fedcba9876543210fedcba9876543210fedcba98';

let qwen: RealTokenizerFiles;
let work: string;
let hub: FakeHub;

beforeAll(async () => {
  qwen = await qwen25Files();
  work = await mkdtemp(join(tmpdir(), 'tokprint-local-source-'));
  hub = await startFakeHub({
    'acme/hfjson': {
      commit: COMMIT,
      files: { 'tokenizer.json': qwen.tokenizerJson, 'tokenizer_config.json': qwen.tokenizerConfig },
    },
    'acme/kimi-like': { commit: COMMIT, files: { 'tiktoken.model': RANKS } },
    'acme/empty': { commit: COMMIT, files: { 'README.md': encode('hi') } },
  });
});
afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

function thrown(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

describe('detectFormat (by content, not by name)', () => {
  it('tells each format apart whatever the file is called', () => {
    expect(detectFormat(qwen.tokenizerJson, 'weights.bin')).toBe('hf-json');
    expect(detectFormat(GGUF, 'tokenizer.json')).toBe('gguf');
    expect(detectFormat(RANKS, 'notes.txt')).toBe('tiktoken');
    expect(detectFormat(encode('IQ== 0\r\nIg== 1\r\n'), 'r.tiktoken')).toBe('tiktoken');
  });

  it('explains malformed, truncated, foreign and unknown content in one line', () => {
    const truncated = qwen.tokenizerJson.subarray(0, qwen.tokenizerJson.length / 2);
    expect(thrown(() => detectFormat(truncated, 'tokenizer.json')).message).toMatch(
      /^tokenizer\.json is not valid JSON \(.*\); the file is truncated/,
    );
    expect(thrown(() => detectFormat(encode('{"model": {"type": "BPE"}}'), 'x.json')).message).toMatch(
      /JSON but not a Hugging Face tokenizer\.json/,
    );
    expect(thrown(() => detectFormat(encode('hello world\n'), 'x.txt')).message).toMatch(
      /^x\.txt: unknown tokenizer format; expected/,
    );
    expect(thrown(() => detectFormat(encode('IQ== 0\nnot a rank\n'), 'x.tiktoken')).message).toMatch(
      /unknown tokenizer format/,
    );
    expect(thrown(() => detectFormat(encode('GGU'), 'model.gguf')).message).toMatch(/is not a GGUF file/);
    expect(thrown(() => detectFormat(new Uint8Array(), 'empty')).message).toMatch(/unknown tokenizer format/);
    for (const message of [thrown(() => detectFormat(truncated, 'tokenizer.json')).message])
      expect(message).not.toContain('\n');
  });
});

describe('resolveTokenizerSource', () => {
  it('reads a single file, relative to the working directory', async () => {
    await writeFile(join(work, 'my-tokenizer.json'), qwen.tokenizerJson);
    const source = await resolveTokenizerSource('my-tokenizer.json', { cwd: work, env: {} });
    expect(source.format).toBe('hf-json');
    expect(source.files.main.path).toBe('my-tokenizer.json');
    expect(source.files.config).toBeUndefined();
    expect(source.origin).toEqual({ kind: 'local', path: join(work, 'my-tokenizer.json') });
  });

  it('reads a model directory: tokenizer.json with its tokenizer_config.json', async () => {
    const dir = join(work, 'model');
    await mkdir(dir);
    await writeFile(join(dir, 'tokenizer.json'), qwen.tokenizerJson);
    await writeFile(join(dir, 'tokenizer_config.json'), qwen.tokenizerConfig);
    await writeFile(join(dir, 'config.json'), '{}');
    const source = await resolveTokenizerSource(dir, { cwd: '/', env: {} });
    expect(source.format).toBe('hf-json');
    expect(source.files.config?.path).toBe('tokenizer_config.json');
  });

  it('reads a model directory holding a tiktoken.model, a single *.tiktoken, or a single GGUF', async () => {
    const cases: [string, Record<string, Uint8Array>, string][] = [
      ['kimi', { 'tiktoken.model': RANKS, 'tokenizer_config.json': encode('{}') }, 'tiktoken'],
      ['openai', { 'o200k_base.tiktoken': RANKS }, 'tiktoken'],
      ['gguf', { 'vocab.gguf': GGUF, 'tokenizer_config.json': encode('{}') }, 'gguf'],
    ];
    for (const [name, files, format] of cases) {
      const dir = join(work, name);
      await mkdir(dir);
      for (const [file, bytes] of Object.entries(files)) await writeFile(join(dir, file), bytes);
      const source = await resolveTokenizerSource(dir, { cwd: '/', env: {} });
      expect(source.format).toBe(format);
      expect(source.files.config !== undefined).toBe(name === 'kimi');
    }
  });

  it('refuses a directory with nothing to load, or with two candidates, and a missing path', async () => {
    const dir = join(work, 'ambiguous');
    await mkdir(dir);
    await expect(resolveTokenizerSource(dir, { cwd: '/', env: {} })).rejects.toThrow(/holds no tokenizer\.json/);
    await writeFile(join(dir, 'a.gguf'), GGUF);
    await writeFile(join(dir, 'b.gguf'), GGUF);
    await expect(resolveTokenizerSource(dir, { cwd: '/', env: {} })).rejects.toThrow(
      /several GGUF files \(a\.gguf, b\.gguf\)/,
    );
    await expect(resolveTokenizerSource(join(work, 'missing.json'), { cwd: '/', env: {} })).rejects.toThrow(
      /missing\.json does not exist/,
    );
  });

  it('resolves hf:org/repo to its files and pins the commit the hub resolved main to', async () => {
    const env = { HF_ENDPOINT: hub.endpoint };
    const source = await resolveTokenizerSource('hf:acme/hfjson', { cwd: '/', env });
    expect(source.format).toBe('hf-json');
    expect(source.origin).toEqual({ kind: 'hf', repo: 'acme/hfjson', revision: COMMIT });
    expect(source.files.config?.path).toBe('tokenizer_config.json');
    const tiktoken = await resolveTokenizerSource('hf:acme/kimi-like@main', { cwd: '/', env });
    expect(tiktoken.format).toBe('tiktoken');
    expect(tiktoken.files.main.path).toBe('tiktoken.model');
    await expect(resolveTokenizerSource('hf:acme/empty', { cwd: '/', env })).rejects.toThrow(
      /has no tokenizer\.json or tiktoken\.model/,
    );
  });

  it('parses hub specs strictly', () => {
    expect(parseHfSpec('hf:org/repo')).toEqual({ repo: 'org/repo', revision: 'main' });
    expect(parseHfSpec('hf:org/repo@v1.0')).toEqual({ repo: 'org/repo', revision: 'v1.0' });
    expect(parseHfSpec('./hf:thing')).toBeUndefined();
    expect(() => parseHfSpec('hf:justname')).toThrow(/expected hf:org\/repo/);
  });
});
