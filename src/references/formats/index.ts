import { UserError } from '../../util/errors.js';
import { Registry } from '../../util/registry.js';
import type { TiktokenSettings, Tokenizer, TokenizerFiles } from '../tokenizer.js';
import { loadGguf } from './gguf.js';
import { loadHfJson } from './hf-json.js';
import { loadJsTiktokenRanks } from './js-tiktoken-ranks.js';
import { loadLlamaJs } from './llama-js.js';
import { loadMistralTs } from './mistral-ts.js';
import { loadTiktoken } from './tiktoken.js';

/** A tokenizer file format and its loader. Loaders are pure: bytes in, tokenizer out. */
interface FormatLoader<N extends string> {
  name: N;
  load(files: TokenizerFiles, tiktoken?: TiktokenSettings): Tokenizer;
}

const format = <const N extends string>(name: N, load: FormatLoader<N>['load']): FormatLoader<N> => ({ name, load });

/** Every format a reference can be stored in; a new format is its loader module and one item here. */
const LIST = [
  format('hf-json', (files) => loadHfJson(files)),
  format('tiktoken', (files, tiktoken) => loadTiktoken(files, tiktoken)),
  format('js-tiktoken-ranks', loadJsTiktokenRanks),
  format('gguf', loadGguf),
  format('llama-js', loadLlamaJs),
  format('mistral-ts', loadMistralTs),
] as const;

export type TokenizerFormat = (typeof LIST)[number]['name'];

export const TOKENIZER_FORMATS = new Registry<FormatLoader<TokenizerFormat>, TokenizerFormat>(
  'tokenizer format',
  LIST,
  (f) => f.name,
);

/** The one step from a file format to its loader; an unknown format is refused in one line. */
export function createTokenizer(
  format: TokenizerFormat | string,
  files: TokenizerFiles,
  tiktoken?: TiktokenSettings,
): Tokenizer {
  const loader = TOKENIZER_FORMATS.find(format);
  if (!loader)
    throw new UserError(`unknown tokenizer format "${format}"; expected one of ${TOKENIZER_FORMATS.names.join(', ')}`);
  return loader.load(files, tiktoken);
}
