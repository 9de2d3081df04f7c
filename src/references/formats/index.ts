import { UserError } from '../../util/errors.js';
import type { TiktokenSettings, Tokenizer, TokenizerFiles, TokenizerFormat } from '../tokenizer.js';
import { loadGguf } from './gguf.js';
import { loadHfJson } from './hf-json.js';
import { loadJsTiktokenRanks } from './js-tiktoken-ranks.js';
import { loadLlamaJs } from './llama-js.js';
import { loadMistralTs } from './mistral-ts.js';
import { loadTiktoken } from './tiktoken.js';

/** The one switch from a file format to its loader. Loaders are pure: bytes in, tokenizer out. */
export function createTokenizer(
  format: TokenizerFormat | string,
  files: TokenizerFiles,
  tiktoken?: TiktokenSettings,
): Tokenizer {
  switch (format) {
    case 'hf-json':
      return loadHfJson(files);
    case 'tiktoken':
      return loadTiktoken(files, tiktoken);
    case 'js-tiktoken-ranks':
      return loadJsTiktokenRanks(files);
    case 'llama-js':
      return loadLlamaJs(files);
    case 'mistral-ts':
      return loadMistralTs(files);
    case 'gguf':
      return loadGguf(files);
    default:
      throw new UserError(
        `unknown tokenizer format "${format}"; expected one of hf-json, tiktoken, js-tiktoken-ranks, gguf, llama-js, mistral-ts`,
      );
  }
}
