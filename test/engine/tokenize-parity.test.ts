import { describe, expect, it } from 'vitest';
import { TRICKY_STRINGS } from '../../src/references/class-corpus.js';
import { committedTokenizer } from '../helpers/manifest-references.js';
import { engineServer } from './engine-fixture.js';
import type { TinyModelReference } from './tiny-model.js';

const EXTRA_STRINGS = [
  'a\u0301 e\u0301 A\u030a',
  '    four spaces\n\n\n\n  \t\t x',
  '1234567 99999 3.0 007',
  'for (let i = 0; i < n; i++) {\n\tsum += a[i] ** 2;\n}',
  '<|endoftext|> <|im_start|>user\nhi<|im_end|>',
  '<|begin_of_text|><|start_header_id|>system<|end_header_id|>',
  '<｜begin▁of▁sentence｜><｜User｜>hi',
  '<|fim_prefix|>x</s>',
];

/** Where llama.cpp's tokenization of a converted GGUF departs from the tokenizer.json, and why. */
const DIVERGENCES: Record<TinyModelReference, Record<string, string>> = {
  'qwen2.5': {
    'a\u0301 e\u0301 A\u030a':
      'the tokenizer.json normalises to NFC; llama.cpp applies no Unicode normaliser, so decomposed accents stay two code points',
    '<|fim_prefix|>x</s>':
      'the vocabulary holds </s> as an ordinary token (128247) that no merge builds; llama.cpp retypes control-looking tokens to control on load, so with parse_special it matches </s> whole',
  },
  llama3: {},
  'deepseek-v3': {},
  yi: {
    '<|endoftext|> <|im_start|>user\nhi<|im_end|>':
      '<|im_end|> is an ordinary vocabulary entry (7) that no merge builds; llama.cpp takes it for the end-of-turn token on load and retypes it control, so with parse_special it matches <|im_end|> whole',
  },
};

/** Whether llama_tokenize's add_special puts BOS first: as tokenizer_config.json's add_bos_token says, else llama.cpp's default. */
const ADDS_BOS: Record<TinyModelReference, boolean> = {
  'qwen2.5': false,
  llama3: true,
  'deepseek-v3': true,
  yi: false,
};

describe.each(Object.keys(DIVERGENCES) as TinyModelReference[])(
  'llama.cpp /tokenize on the tiny %s model',
  (reference) => {
    const fixture = engineServer(reference);
    const strings = [...TRICKY_STRINGS, ...EXTRA_STRINGS];

    it('gives the reference tokenizer.json ids, except where a divergence is recorded', async () => {
      const tokenizer = await committedTokenizer(reference);
      const differing: string[] = [];
      for (const text of strings) {
        const { tokens } = await fixture.postJson<{ tokens: number[] }>('/tokenize', { content: text });
        if (JSON.stringify(tokens) !== JSON.stringify(tokenizer.encode(text))) differing.push(text);
      }
      expect(differing).toEqual(Object.keys(DIVERGENCES[reference]));
    });

    it('pieces join back to the text, and BOS is added only with add_special where the vocabulary asks', async () => {
      const plain = strings.filter((text) => !/<[|｜]/.test(text) && text.normalize('NFC') === text);
      for (const text of plain) {
        const { tokens } = await fixture.postJson<{ tokens: { id: number; piece: string | number[] }[] }>('/tokenize', {
          content: text,
          with_pieces: true,
        });
        const bytes = tokens.flatMap((t) =>
          typeof t.piece === 'string' ? [...new TextEncoder().encode(t.piece)] : t.piece,
        );
        expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(Uint8Array.from(bytes)), text).toBe(text);
      }
      const { tokens: bare } = await fixture.postJson<{ tokens: number[] }>('/tokenize', { content: 'hello' });
      const { tokens: special } = await fixture.postJson<{ tokens: number[] }>('/tokenize', {
        content: 'hello',
        add_special: true,
      });
      const bos = fixture.engine.model.tokens.shouldPrependBosToken ? [fixture.engine.model.tokens.bos] : [];
      expect(special).toEqual([...bos, ...bare]);
      expect(bos.length).toBe(ADDS_BOS[reference] ? 1 : 0);
    });
  },
);
