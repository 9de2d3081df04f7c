import { openaiChatProtocol, openaiCompletionsProtocol } from './openai.js';
import type { Protocol } from './protocol.js';

/** Every HTTP protocol by its target scheme; `createTarget` sends any of these schemes to the executor. */
export const HTTP_PROTOCOLS: readonly Protocol[] = [openaiChatProtocol, openaiCompletionsProtocol];

/** Base URL used when a target names only its scheme, e.g. `openai:`. */
export const DEFAULT_BASE_URLS: Record<string, string> = {
  openai: 'https://api.openai.com/v1',
  'openai-completions': 'https://api.openai.com/v1',
};

export function httpProtocol(scheme: string): Protocol | undefined {
  return HTTP_PROTOCOLS.find((p) => p.scheme === scheme);
}
