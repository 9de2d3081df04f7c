import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import llamaTokenizer from 'llama-tokenizer-js';
import { createTokenizer } from '../../../src/references/formats/index.js';
import { UserError } from '../../../src/util/errors.js';
import { TRICKY_STRINGS } from './tricky-strings.js';

const require = createRequire(import.meta.url);
const file = readFileSync(require.resolve('llama-tokenizer-js'));
const tokenizer = createTokenizer('llama-js', { main: file });

describe('llama-tokenizer-js data', () => {
  it("ids equal llama-tokenizer-js's own encoder on tricky strings", () => {
    for (const text of TRICKY_STRINGS)
      expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(llamaTokenizer.encode(text, false, true));
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('behaves like Llama 2: leading-space prefix, <0x0A> byte fallback, digits one by one, <s> as text', () => {
    expect(tokenizer.vocabSize).toBe(32000);
    expect(tokenizer.specialTokens).toEqual([
      { id: 0, content: '<unk>' },
      { id: 1, content: '<s>' },
      { id: 2, content: '</s>' },
    ]);
    const hello = tokenizer.encode('Hello');
    expect(hello.map((id) => tokenizer.tokenString(id))).toEqual(['▁Hello']);
    const newline = tokenizer.encode('a\nb').map((id) => tokenizer.tokenString(id));
    expect(newline).toContain('<0x0A>');
    expect(tokenizer.tokenBytes(tokenizer.encode('a\nb')[newline.indexOf('<0x0A>')])).toEqual(Uint8Array.of(10));
    const digits = tokenizer.encode('1234567').map((id) => tokenizer.tokenString(id));
    expect(digits).toEqual(['▁', '1', '2', '3', '4', '5', '6', '7']);
    expect(tokenizer.encode('<s>')).not.toContain(1);
    expect(new TextDecoder().decode(tokenizer.tokenBytes(hello[0]))).toBe(' Hello');
  });

  it('rejects a file that is not llama-tokenizer.js, or is cut short', () => {
    expect(() => createTokenizer('llama-js', { main: new TextEncoder().encode('export default 1') })).toThrow(
      UserError,
    );
    expect(() => createTokenizer('llama-js', { main: file.subarray(0, file.length - 200_000) })).toThrow(
      /no "llama_merges_binary"|not base64|truncated/,
    );
    const source = file.toString('utf8');
    const cut = source.replace(
      /(const llama_merges_binary = ")([A-Za-z0-9+/=]*)"/,
      (_, head, data: string) => `${head}${data.slice(0, data.length - 6)}"`,
    );
    expect(() => createTokenizer('llama-js', { main: new TextEncoder().encode(cut) })).toThrow(UserError);
  });
});
