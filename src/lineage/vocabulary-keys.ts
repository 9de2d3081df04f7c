import type { Tokenizer } from '../references/tokenizer.js';
import type { VocabularyKeys } from './anchors.js';

/**
 * A vocabulary as matching keys: the raw bytes a token stands for, so that the same token matches whether a file
 * spells it in the byte-level alphabet, with `▁` or as `<0x0A>`; its stored string where it has no bytes.
 */
export function vocabularyKeys(tokenizer: Tokenizer): VocabularyKeys {
  return Array.from({ length: tokenizer.vocabSize }, (_, id) => {
    const bytes = tokenizer.tokenBytes(id);
    if (bytes) return Buffer.from(bytes).toString('hex');
    const text = tokenizer.tokenString(id);
    return text === undefined ? undefined : `s:${text}`;
  });
}
