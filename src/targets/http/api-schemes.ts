import { anthropicProtocol, anthropicSettings } from './anthropic.js';
import { geminiProtocol, geminiSettings } from './gemini.js';
import { genericHttpProtocol } from './generic-http.js';
import { loadGenericHttpSpec } from './generic-http-spec.js';
import { llamacppTokenizeProtocol, llamacppTokenizeSettings } from './llamacpp-tokenize.js';
import { ollamaProtocol, ollamaSettings } from './ollama.js';
import type { Protocol } from './protocol.js';
import { readSettings } from './protocol-settings.js';
import type { HttpScheme } from './protocols.js';
import { tgiTokenizeProtocol } from './tgi-tokenize.js';
import { sglangTokenizeProtocol, vllmTokenizeProtocol, vllmTokenizeSettings } from './vllm-tokenize.js';

/**
 * The target schemes for every API besides OpenAI's. The rest of the target id is the base URL (or, for
 * `http:`, the spec file), optionally followed by `?setting=value` settings for the protocol, e.g.
 * `anthropic:?count=messages` or `vllm:http://127.0.0.1:8000?input=messages`. An empty URL takes the
 * API's documented default where it has one.
 */
export function splitLocation(rest: string): { location: string; settings: Record<string, string> } {
  const question = rest.indexOf('?');
  if (question < 0) return { location: rest, settings: {} };
  return { location: rest.slice(0, question), settings: Object.fromEntries(new URLSearchParams(rest.slice(question + 1))) };
}

function scheme(
  name: string,
  make: (settings: Record<string, string>) => Protocol & { baseUrl?: string },
  needsModel = false,
): HttpScheme {
  return {
    scheme: name,
    needsModel,
    create(rest) {
      const { location, settings } = splitLocation(rest);
      const protocol = make(settings);
      return { protocol, baseUrl: location || protocol.baseUrl || '' };
    },
  };
}

const noSettings = (name: string, settings: Record<string, string>) => readSettings(name, settings, {});

export const API_SCHEMES: readonly HttpScheme[] = [
  scheme('anthropic', (s) => anthropicProtocol(anthropicSettings(s)), true),
  scheme('gemini', (s) => geminiProtocol(geminiSettings(s)), true),
  scheme('vllm', (s) => vllmTokenizeProtocol(vllmTokenizeSettings(s))),
  scheme('sglang', (s) => (noSettings('sglang', s), sglangTokenizeProtocol())),
  scheme('llamacpp', (s) => llamacppTokenizeProtocol(llamacppTokenizeSettings(s))),
  scheme('tgi', (s) => (noSettings('tgi', s), tgiTokenizeProtocol())),
  scheme('ollama', (s) => ollamaProtocol(ollamaSettings(s)), true),
  {
    scheme: 'http',
    // The spec file names the URL; it is read here, once, so the protocol itself stays free of I/O.
    create(rest) {
      const protocol = genericHttpProtocol(loadGenericHttpSpec(rest, process.cwd()));
      return { protocol, baseUrl: protocol.baseUrl };
    },
  },
];
