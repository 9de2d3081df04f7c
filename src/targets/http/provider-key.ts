import { ANTHROPIC_BASE_URL } from './anthropic.js';
import { GEMINI_BASE_URL } from './gemini.js';
import { OPENAI_BASE_URL } from './openai.js';

/**
 * The providers' own APIs, which answer nothing without a key: a run there without one would only pay for
 * refusals. A server of one's own (a local vLLM or llama.cpp at $OPENAI_BASE_URL or a URL in the id) may take none.
 */
const PROVIDER_HOSTS = new Set([OPENAI_BASE_URL, ANTHROPIC_BASE_URL, GEMINI_BASE_URL].map((url) => new URL(url).host));

/**
 * Why a target cannot be asked: its base URL is a provider's own API and the key it needs (the environment
 * variable `keyEnv`) is not set, nor given in the URL's query; undefined when it can.
 */
export function missingProviderKey(
  baseUrl: URL,
  keyEnv: string | undefined,
  apiKey: string | undefined,
  keyInQuery: boolean,
  /** How the user names another variable: `--api-key-env`, or an audit config's `config.apiKeyEnv`. */
  keyEnvSetting = '--api-key-env',
): string | undefined {
  if (apiKey || keyInQuery || !keyEnv || !PROVIDER_HOSTS.has(baseUrl.host)) return undefined;
  return `set ${keyEnv}: ${baseUrl.origin} answers nothing without an API key (or name another variable with ${keyEnvSetting}, or give the base URL of a server of your own)`;
}
