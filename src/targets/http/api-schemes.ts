import { anthropicProtocol, anthropicSettings } from './anthropic.js';
import { GEMINI_API_VERSIONS, geminiProtocol, geminiSettings } from './gemini.js';
import { genericHttpProtocol } from './generic-http.js';
import { loadGenericHttpSpec } from './generic-http-spec.js';
import { openaiChatProtocol, openaiCompletionsProtocol } from './openai.js';
import { llamacppTokenizeProtocol, llamacppTokenizeSettings } from './llamacpp-tokenize.js';
import { ollamaProtocol, ollamaSettings } from './ollama.js';
import { TOKENIZE_ONLY, type Protocol } from './protocol.js';
import { readSettings } from './protocol-settings.js';
import type { HttpScheme } from './protocols.js';
import { withModelIds } from './provider-id.js';
import { isSecretParam, secretQueryValues } from './secrets.js';
import { tgiTokenizeProtocol } from './tgi-tokenize.js';
import { withoutVersionSegment, withVersionSegment } from './version-segment.js';
import { sglangTokenizeProtocol, vllmTokenizeProtocol, vllmTokenizeSettings } from './vllm-tokenize.js';

/**
 * How the schemes made by `scheme` below read a target id: the rest of the target id is the base URL (or, for
 * `http:`, the spec file), optionally followed by `?setting=value` settings for the protocol, e.g.
 * `anthropic:?count=count_tokens` or `vllm:http://127.0.0.1:8000?input=messages`. An empty URL takes the
 * API's documented default where it has one. A credential parameter (`key`, `api-key`, `token`, ...) is
 * never a setting: it stays in the base URL's query and goes to the server with every request, e.g.
 * `gemini:?key=…` or `gemini:https://proxy.example/v1beta?key=…&count=generateContent`.
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

interface SchemeOptions {
  needsModel?: boolean;
  /** Version segments a base URL may end in that the protocol's paths start with themselves. */
  versions?: readonly string[];
}

function scheme(
  name: string,
  make: (settings: Record<string, string>, urlVersion: string | undefined) => Protocol & { baseUrl?: string },
  { needsModel = false, versions = [] }: SchemeOptions = {},
): HttpScheme {
  return {
    scheme: name,
    needsModel,
    create(rest) {
      const { location, settings, serverQuery } = splitLocation(rest);
      const { baseUrl, version } = withoutVersionSegment(location, versions);
      const protocol = make(settings, version);
      return { protocol, baseUrl: withQuery(baseUrl || protocol.baseUrl || '', serverQuery) };
    },
  };
}

const noSettings = (name: string, settings: Record<string, string>) => readSettings(name, settings, {});

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** Paths follow the version here (`chat/completions`): a server named alone gets `/v1`, as its SDKs would. */
function openaiBaseUrl(rest: string): string {
  if (!rest) return OPENAI_BASE_URL;
  const question = rest.indexOf('?');
  if (question < 0) return withVersionSegment(rest, 'v1');
  return withVersionSegment(rest.slice(0, question), 'v1') + rest.slice(question);
}

/** Every API a target id can name; a new API is its protocol module and one item here (see protocols.ts). */
export const API_SCHEMES: readonly HttpScheme[] = [
  withModelIds(
    {
      scheme: 'openai',
      needsModel: true,
      tokenize: 'detect',
      create: (rest) => ({ protocol: openaiChatProtocol, baseUrl: openaiBaseUrl(rest) }),
    },
    'OPENAI_BASE_URL',
    ['chat'],
  ),
  {
    scheme: 'openai-completions',
    needsModel: true,
    create: (rest) => ({ protocol: openaiCompletionsProtocol, baseUrl: openaiBaseUrl(rest) }),
  },
  withModelIds(
    scheme('anthropic', (s) => anthropicProtocol(anthropicSettings(s)), { needsModel: true, versions: ['v1'] }),
    'ANTHROPIC_BASE_URL',
    ['messages'],
  ),
  withModelIds(
    scheme('gemini', (s, version) => geminiProtocol(geminiSettings(s, version)), {
      needsModel: true,
      versions: GEMINI_API_VERSIONS,
    }),
    'GEMINI_BASE_URL',
    [],
  ),
  // Tokenize endpoints and Ollama's API sit at the server root, beside the OpenAI-style `/v1`.
  scheme('vllm', (s) => vllmTokenizeProtocol(vllmTokenizeSettings(s)), { versions: ['v1'] }),
  scheme('sglang', (s) => (noSettings('sglang', s), sglangTokenizeProtocol()), { versions: ['v1'] }),
  scheme('llamacpp', (s) => llamacppTokenizeProtocol(llamacppTokenizeSettings(s)), { versions: ['v1'] }),
  scheme('tgi', (s) => (noSettings('tgi', s), tgiTokenizeProtocol()), { versions: ['v1'] }),
  scheme('ollama', (s) => ollamaProtocol(ollamaSettings(s)), { needsModel: true, versions: ['v1', 'api'] }),
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
    create: (rest) => ({
      protocol: { ...openaiChatProtocol, scheme: 'tokenize', keyEnv: undefined, offers: () => TOKENIZE_ONLY },
      baseUrl: rest,
    }),
  },
];
