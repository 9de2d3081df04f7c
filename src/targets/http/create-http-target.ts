import { join } from 'node:path';
import { cacheDir } from '../../references/store/cache-dir.js';
import { UserError } from '../../util/errors.js';
import type { Target } from '../target.js';
import { createDispatcher } from './dispatcher.js';
import { httpTarget, type ExecutorSettings } from './executor.js';
import { HTTP_DEFAULTS, type HttpTargetOptions } from './http-options.js';
import type { HttpScheme } from './protocols.js';
import { missingProviderKey } from './provider-key.js';
import { ResponseCache } from './response-cache.js';
import { DEFAULT_RETRY_POLICY } from './retry.js';
import { Redactor, secretQueryValues, shownTarget } from '../../util/secrets/secrets.js';
import { tokenizeRoutingTarget, type PreparedTarget } from './tokenize-routing.js';
import type { WireLog } from './wire-entry.js';

export interface HttpTargetDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  options?: HttpTargetOptions;
  wire?: WireLog;
  /** How the user gives the model and the key's variable, for messages: identify's flags unless told (an audit config's keys). */
  settingNames?: SettingNames;
}

export interface SettingNames {
  model: string;
  apiKeyEnv: string;
}

const FLAG_NAMES: SettingNames = { model: '--model', apiKeyEnv: '--api-key-env' };

/** Where successful HTTP answers are cached: under the tokprint cache dir, beside the tokenizer files. */
export function httpCacheDir(env: NodeJS.ProcessEnv): string {
  return join(cacheDir(env), 'http');
}

/** `scheme:<baseURL>` with the user's options and environment, as a target on the one executor. */
export function createHttpTarget(
  id: string,
  scheme: HttpScheme,
  rest: string,
  deps: HttpTargetDeps,
): Target & Partial<PreparedTarget> {
  const given = deps.options ?? {};
  const names = deps.settingNames ?? FLAG_NAMES;
  const { protocol, baseUrl, querySecrets, modelUse, model: idModel, server } = scheme.create(rest, deps.env);
  if (idModel && given.model && given.model !== idModel)
    throw new UserError(
      `${shownTarget(id)} names the model ${idModel} and ${names.model} ${given.model}: give one, or the same in both`,
    );
  const options: HttpTargetOptions = idModel ? { ...given, model: idModel } : given;
  const keyEnv = options.apiKeyEnv ?? protocol.keyEnv;
  const apiKey = keyEnv ? deps.env[keyEnv] || undefined : undefined;
  // the target as shown and recorded everywhere: credential parameters, userinfo and the key (a gateway may take it in the path) redacted
  let shown = Redactor.from({ apiKey }).line(id);
  if (!baseUrl)
    throw new UserError(
      `${shown}: give the API's base URL, e.g. ${scheme.scheme}:https://host/v1${scheme.baseUrlEnv ? `, or set ${scheme.baseUrlEnv}` : ''}`,
    );
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    const envUrl = scheme.baseUrlEnv && deps.env[scheme.baseUrlEnv]?.trim();
    const from = envUrl && baseUrl.startsWith(envUrl) ? ` (from $${scheme.baseUrlEnv})` : '';
    throw new UserError(`${shown}: "${Redactor.from({ apiKey }).line(baseUrl)}"${from} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UserError(`${shown}: the base URL must be http or https`);
  if (parsed.username || parsed.password)
    throw new UserError(`${shown}: put credentials in an environment variable, not in the URL`);
  // the one check of --model: the protocols take it as given
  if (scheme.needsModel && !options.model) throw new UserError(`${shown}: give the model name with ${names.model}`);
  if (modelUse && !options.model)
    throw new UserError(`${scheme.scheme}: ${modelUse}; give the model name with ${names.model}`);
  if (options.apiKeyEnv && !apiKey)
    throw new UserError(`${names.apiKeyEnv} ${options.apiKeyEnv}: that environment variable is not set`);
  const keyless = missingProviderKey(parsed, keyEnv, apiKey, secretQueryValues(parsed).length > 0, names.apiKeyEnv);
  if (keyless) throw new UserError(`${shown}: ${keyless}`);
  const unsendable = apiKey && unsendableInHeader(apiKey);
  if (unsendable)
    throw new UserError(
      `$${keyEnv}: the API key holds ${unsendable}, which an HTTP header cannot carry; check the variable`,
    );

  const redactor = Redactor.from({ apiKey, queryValues: [...secretQueryValues(parsed), ...(querySecrets ?? [])] });
  shown = redactor.line(id);
  const shownUrl = redactor.line(parsed.href);
  const inQuery = secretQueryValues(parsed).length ? ', credentials in the URL query' : '';
  const counting = protocol.counting ? `, ${protocol.counting}` : '';
  const description = `${protocol.scheme} API at ${shownUrl}${options.model ? `, model ${options.model}` : ''}${counting}, ${apiKey ? `key from $${keyEnv}` : 'no key'}${inQuery}`;
  const settings: ExecutorSettings = {
    baseUrl: parsed.href,
    apiKey,
    redactor,
    protocolOptions: {
      model: options.model,
      stream: options.stream,
      topLogprobs: options.topLogprobs,
      ...(options.promptLogprobs && { promptLogprobs: true }),
    },
    timeoutMs: options.timeoutMs ?? HTTP_DEFAULTS.timeoutMs,
    retry: { ...DEFAULT_RETRY_POLICY, retries: options.retries ?? HTTP_DEFAULTS.retries },
    rateLimit: {
      concurrency: options.concurrency ?? HTTP_DEFAULTS.rateLimit.concurrency,
      requestsPerSecond: options.requestsPerSecond ?? HTTP_DEFAULTS.rateLimit.requestsPerSecond,
    },
    dispatcher: createDispatcher(deps.env, deps.cwd, options.caFile),
    cache: options.cacheTtlMs ? new ResponseCache(httpCacheDir(deps.env), options.cacheTtlMs) : undefined,
    wire: deps.wire,
    limits: {
      ...(options.maxResponseBytes && { maxResponseBytes: options.maxResponseBytes }),
      ...(options.maxStreamEvents && { maxStreamEvents: options.maxStreamEvents }),
    },
  };
  const chat = httpTarget(shown, description, protocol, settings);
  const detect = scheme.tokenize === 'require' || (scheme.tokenize === 'detect' && options.detectTokenize !== false);
  const target = detect
    ? tokenizeRoutingTarget({
        chat,
        chatDescription: description,
        baseUrl: parsed.href,
        shownBaseUrl: shownUrl,
        protocolOptions: settings.protocolOptions,
        counter: (counting, baseUrl) => httpTarget(shown, description, counting, { ...settings, baseUrl }),
        required: scheme.tokenize === 'require',
      })
    : chat;
  return server ? Object.assign(target, { server: { ...server, url: redactor.line(server.url) } }) : target;
}

/**
 * Why a key cannot be sent in a header (a line break or NUL inside it, a character beyond Latin-1), named by
 * position, never by value; undefined when it can. Leading and trailing whitespace is dropped when sent.
 */
function unsendableInHeader(key: string): string | undefined {
  const sent = key.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  for (let i = 0; i < sent.length; i++) {
    const code = sent.charCodeAt(i);
    if (code === 0 || code === 10 || code === 13) return `a ${code === 0 ? 'NUL' : 'line break'} at character ${i + 1}`;
    if (code > 255) return `a character beyond Latin-1 at character ${i + 1}`;
  }
  return undefined;
}
