import { Registry } from '../../util/registry.js';
import { API_SCHEMES } from './api-schemes.js';
import type { Protocol } from './protocol.js';

/** One target scheme served by the executor: how the rest of a target id becomes a protocol and a base URL. */
export interface HttpScheme {
  scheme: string;
  /**
   * `rest` is what follows `scheme:` in the target id; it may carry protocol settings besides the URL.
   * `querySecrets` are credential values the protocol itself sends in a query (a spec file's URL).
   * `modelUse` says why this target needs `--model` when the scheme alone does not tell (a spec's `{{model}}`).
   * `model` is the model the id itself names (`openai:gpt-4o`); `server` then says where its server came from:
   * the environment variable's value, or the API's own default when the variable is unset.
   */
  create(
    rest: string,
    env?: NodeJS.ProcessEnv,
  ): {
    protocol: Protocol;
    baseUrl: string;
    querySecrets?: string[];
    modelUse?: string;
    model?: string;
    server?: ServerFromEnv;
  };
  /** The environment variable naming the server when the target id names a model instead (`openai:gpt-4o`). */
  baseUrlEnv?: string;
  /** The protocol cannot form a request without `--model`. */
  needsModel?: boolean;
  /**
   * Counts go through the server's tokenize endpoint when one is found (`detect`, unless turned off), or
   * only through it (`require`).
   */
  tokenize?: 'detect' | 'require';
}

/** The server of a target id that names a model: the variable that chose it and the URL it stood for. */
export interface ServerFromEnv {
  variable: string;
  url: string;
}

/** Every scheme `createTarget` sends to the executor, listed in api-schemes.ts. */
const SCHEMES = new Registry('API scheme', API_SCHEMES, (s) => s.scheme);

export const HTTP_SCHEMES: readonly HttpScheme[] = SCHEMES.entries;

export function httpScheme(scheme: string): HttpScheme | undefined {
  return SCHEMES.find(scheme);
}
