import { API_SCHEMES } from './api-schemes.js';
import { openaiChatProtocol, openaiCompletionsProtocol } from './openai.js';
import type { Protocol } from './protocol.js';

/** One target scheme served by the executor: how the rest of a target id becomes a protocol and a base URL. */
export interface HttpScheme {
  scheme: string;
  /**
   * `rest` is what follows `scheme:` in the target id; it may carry protocol settings besides the URL.
   * `querySecrets` are credential values the protocol itself sends in a query (a spec file's URL).
   */
  create(rest: string): { protocol: Protocol; baseUrl: string; querySecrets?: string[] };
  /** The protocol cannot form a request without `--model`. */
  needsModel?: boolean;
  /**
   * Counts go through the server's tokenize endpoint when one is found (`detect`, unless turned off), or
   * only through it (`require`).
   */
  tokenize?: 'detect' | 'require';
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** Every scheme `createTarget` sends to the executor. */
export const HTTP_SCHEMES: readonly HttpScheme[] = [
  {
    scheme: 'openai',
    needsModel: true,
    tokenize: 'detect',
    create: (rest) => ({ protocol: openaiChatProtocol, baseUrl: rest || OPENAI_BASE_URL }),
  },
  {
    scheme: 'openai-completions',
    needsModel: true,
    create: (rest) => ({ protocol: openaiCompletionsProtocol, baseUrl: rest || OPENAI_BASE_URL }),
  },
  ...API_SCHEMES,
  // whichever tokenize dialect the server speaks; the key, if any, from --api-key-env
  {
    scheme: 'tokenize',
    tokenize: 'require',
    create: (rest) => ({ protocol: { ...openaiChatProtocol, scheme: 'tokenize', keyEnv: undefined }, baseUrl: rest }),
  },
];

export function httpScheme(scheme: string): HttpScheme | undefined {
  return HTTP_SCHEMES.find((s) => s.scheme === scheme);
}
