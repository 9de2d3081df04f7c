import { anthropicProtocol, anthropicSettings } from './anthropic.js';
import { geminiProtocol, geminiSettings } from './gemini.js';
import { genericHttpProtocol } from './generic-http.js';
import { loadGenericHttpSpec } from './generic-http-spec.js';
import { openaiChatProtocol, openaiCompletionsProtocol } from './openai.js';
import { llamacppTokenizeProtocol, llamacppTokenizeSettings } from './llamacpp-tokenize.js';
import { ollamaProtocol, ollamaSettings } from './ollama.js';
import type { Protocol } from './protocol.js';
import { readSettings } from './protocol-settings.js';
import type { HttpScheme } from './protocols.js';
import { isSecretParam, secretQueryValues } from './secrets.js';
import { tgiTokenizeProtocol } from './tgi-tokenize.js';
import { sglangTokenizeProtocol, vllmTokenizeProtocol, vllmTokenizeSettings } from './vllm-tokenize.js';

/**
 * How the schemes made by `scheme` below read a target id: the rest of the target id is the base URL (or, for
 * `http:`, the spec file), optionally followed by `?setting=value` settings for the protocol, e.g.
 * `anthropic:?count=messages` or `vllm:http://127.0.0.1:8000?input=messages`. An empty URL takes the
 * API's documented default where it has one. A credential parameter (`key`, `api-key`, `token`, ...) is
 * never a setting: it stays in the base URL's query and goes to the server with every request, e.g.
 * `gemini:?key=…` or `gemini:https://proxy.example/v1beta?key=…&count=generate`.
 */
export function splitLocation(rest: string): {
  location: string;
  settings: Record<string, string>;
  serverQuery: string;
} {
  const question = rest.indexOf('?');
  if (question < 0) return { location: rest, settings: {}, serverQuery: '' };
  const settings: Record<string, string> = {};
  const server = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(rest.slice(question + 1))) {
    if (isSecretParam(name)) server.append(name, value);
    else settings[name] = value;
  }
  return { location: rest.slice(0, question), settings, serverQuery: server.toString() };
}

function withQuery(baseUrl: string, query: string): string {
  if (!baseUrl || !query) return baseUrl;
  return `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}${query}`;
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
      const { location, settings, serverQuery } = splitLocation(rest);
      const protocol = make(settings);
      return { protocol, baseUrl: withQuery(location || protocol.baseUrl || '', serverQuery) };
    },
  };
}

const noSettings = (name: string, settings: Record<string, string>) => readSettings(name, settings, {});

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** Every API a target id can name; a new API is its protocol module and one item here (see protocols.ts). */
export const API_SCHEMES: readonly HttpScheme[] = [
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
      const spec = loadGenericHttpSpec(rest, process.cwd());
      const specQuerySecrets = Object.entries(spec.query).flatMap(([name, value]) =>
        isSecretParam(name) && value ? [value] : [],
      );
      return {
        protocol: genericHttpProtocol(spec),
        baseUrl: spec.url.origin,
        querySecrets: [...secretQueryValues(spec.url), ...specQuerySecrets],
        ...(spec.uses.has('model') && { modelUse: 'the spec uses {{model}}' }),
      };
    },
  },
  // whichever tokenize dialect the server speaks; the key, if any, from --api-key-env
  {
    scheme: 'tokenize',
    tokenize: 'require',
    create: (rest) => ({ protocol: { ...openaiChatProtocol, scheme: 'tokenize', keyEnv: undefined }, baseUrl: rest }),
  },
];
