import { UserError } from '../../util/errors.js';
import type { Tokenizer, TokenizerFiles } from '../tokenizer.js';
import { decodeMergesBase64, decodeVocabBase64, loadSentencePieceBpe } from './sentencepiece-bpe.js';

const WHAT = 'llama-tokenizer-js data';

function stringConstant(source: string, name: string): string {
  const match = new RegExp(`\\bconst ${name}\\s*=\\s*"([A-Za-z0-9+/=]*)"`).exec(source);
  if (!match) {
    throw new UserError(
      `${WHAT}: no "${name}" string found; the file should be llama-tokenizer.js from llama-tokenizer-js 1.x, whole and unmodified`,
    );
  }
  return match[1];
}

/**
 * Loads the Llama 1/2 vocabulary and merges embedded (as base64 string constants) in llama-tokenizer-js's
 * `llama-tokenizer.js`. The constants are read as text; the module is never executed.
 */
export function loadLlamaJs(files: TokenizerFiles): Tokenizer {
  const source = new TextDecoder().decode(files.main);
  const vocab = decodeVocabBase64(stringConstant(source, 'llama_vocab_base64'), `${WHAT} (vocabulary)`);
  const merges = decodeMergesBase64(stringConstant(source, 'llama_merges_binary'), vocab, `${WHAT} (merges)`);
  return loadSentencePieceBpe({ vocab, merges }, 'llama-js');
}
