import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../../util/errors.js';
import { MiB, readUserFile } from '../../util/user-file.js';
import { parseJsonPath, type PathSegment } from './json-path.js';
import { redactUrlText } from '../../util/secrets/secrets.js';

/**
 * A spec file for an in-house gateway (`http:<specFile>`), JSON or YAML:
 *
 *   url: https://gateway.internal/v2/generate
 *   headers:
 *     Authorization: Bearer ${GATEWAY_KEY}     # the one header that may name an environment variable
 *   body:
 *     input: { system: "{{system}}", turns: "{{messages}}" }
 *     limits: { max_new: "{{max_tokens}}" }
 *   response:
 *     prompt_tokens: result.metering.tokens_in
 *     completion_tokens: result.metering.tokens_out   # optional
 *     text: result.output                             # optional
 *
 * A string that is exactly one placeholder becomes that value (an array for `{{messages}}`, a number for
 * `{{max_tokens}}`); a placeholder inside a longer string is replaced by its text. The body is an object
 * built from the template and serialised as JSON, so every value is escaped by construction.
 */
export const PLACEHOLDERS = ['messages', 'text', 'system', 'max_tokens', 'model'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export interface GenericHttpSpec {
  url: URL;
  method: 'GET' | 'POST';
  /** Headers sent as written. */
  headers: Record<string, string>;
  /** The header carrying the key: its name, its value with `${env}` where the key goes, and the variable. */
  secretHeader?: { name: string; template: string; env: string };
  query: Record<string, string>;
  body?: unknown;
  /** Placeholders the templates use. */
  uses: ReadonlySet<Placeholder>;
  response: {
    promptTokens: PathSegment[];
    completionTokens?: PathSegment[];
    text?: PathSegment[];
    paths: Record<string, string>;
  };
}

/** A request spec is a few lines of YAML or JSON. */
const MAX_SPEC_FILE_BYTES = MiB;
const TOP_KEYS = ['url', 'method', 'headers', 'query', 'body', 'response'];
const RESPONSE_KEYS = ['prompt_tokens', 'completion_tokens', 'text'];
const ENV_REFERENCE = /\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Reads and checks a spec file; every problem is one line of the UserError. */
export function loadGenericHttpSpec(path: string, cwd: string): GenericHttpSpec {
  // a credential parameter typed after the path (`http:spec.yaml?token=…`, as other schemes take one) is not shown
  const shown = redactUrlText(path);
  let text: string;
  try {
    text = new TextDecoder().decode(readUserFile(resolve(cwd, path), MAX_SPEC_FILE_BYTES, 'a request spec file'));
  } catch (error) {
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    throw new UserError(`http:${shown}: cannot read the spec file (${code ?? (error as Error).message})`);
  }
  return parseGenericHttpSpec(text, shown);
}

export function parseGenericHttpSpec(text: string, source: string): GenericHttpSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new UserError(`${source}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const problems: string[] = [];
  const problem = (where: string, message: string) => problems.push(`${source}: ${where}: ${message}`);
  if (!isObject(raw)) throw new UserError(`${source}: the spec should be a mapping with url, body and response`);
  for (const key of Object.keys(raw))
    if (!TOP_KEYS.includes(key)) problem(key, `unknown field; expected ${TOP_KEYS.join(', ')}`);

  let url: URL | undefined;
  if (typeof raw.url !== 'string')
    problem('url', 'required: the gateway endpoint, e.g. https://gateway.internal/v2/generate');
  else if (raw.url.includes('${')) problem('url', 'only a header may name an environment variable');
  else {
    try {
      url = new URL(raw.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        problem('url', `must be http or https, not ${url.protocol}`);
      if (url.username || url.password) problem('url', 'put credentials in a header with ${ENV_NAME}, not in the URL');
    } catch {
      problem('url', `"${redactUrlText(raw.url)}" is not a URL`);
    }
  }

  const method = raw.method === undefined ? 'POST' : raw.method;
  if (method !== 'POST' && method !== 'GET') problem('method', `must be POST or GET, not ${JSON.stringify(method)}`);
  if (method === 'GET' && raw.body !== undefined)
    problem('body', 'a GET request has no body; put placeholders in query');

  const headers: Record<string, string> = {};
  let secretHeader: GenericHttpSpec['secretHeader'];
  if (raw.headers !== undefined && !isObject(raw.headers))
    problem('headers', 'should be a mapping of header names to values');
  for (const [name, value] of Object.entries(isObject(raw.headers) ? raw.headers : {})) {
    const where = `headers.${name}`;
    if (!HEADER_NAME.test(name)) problem(where, 'not a valid header name');
    if (typeof value !== 'string' && typeof value !== 'number') {
      problem(where, 'should be a string');
      continue;
    }
    const text = String(value);
    const references = [...text.matchAll(ENV_REFERENCE)].map((m) => m[1]);
    if (!references.length) {
      headers[name] = text;
      continue;
    }
    if (references.length > 1) problem(where, 'may name one environment variable only');
    else if (!ENV_NAME.test(references[0])) problem(where, `\${${references[0]}} is not an environment variable name`);
    else if (secretHeader) problem(where, `only one header may carry the key, and ${secretHeader.name} already does`);
    else secretHeader = { name, template: text, env: references[0] };
    if (PLACEHOLDER.test(text)) problem(where, 'a header cannot hold a {{placeholder}}');
    PLACEHOLDER.lastIndex = 0;
  }

  const uses = new Set<Placeholder>();
  const query: Record<string, string> = {};
  if (raw.query !== undefined && !isObject(raw.query))
    problem('query', 'should be a mapping of parameter names to values');
  for (const [name, value] of Object.entries(isObject(raw.query) ? raw.query : {})) {
    if (typeof value !== 'string' && typeof value !== 'number') problem(`query.${name}`, 'should be a string');
    else {
      query[name] = String(value);
      checkTemplate(query[name], `query.${name}`, uses, problem);
    }
  }
  if (raw.body !== undefined) walkStrings(raw.body, 'body', (text, where) => checkTemplate(text, where, uses, problem));
  if (!uses.has('messages') && !uses.has('text'))
    problem('body', 'place the probe text somewhere with {{messages}} or {{text}}');

  const response: Partial<GenericHttpSpec['response']> & { paths: Record<string, string> } = { paths: {} };
  if (!isObject(raw.response))
    problem(
      'response',
      'required: a mapping with prompt_tokens (a JSON path) and optionally completion_tokens and text',
    );
  else {
    for (const key of Object.keys(raw.response))
      if (!RESPONSE_KEYS.includes(key))
        problem(`response.${key}`, `unknown field; expected ${RESPONSE_KEYS.join(', ')}`);
    if (raw.response.prompt_tokens === undefined)
      problem('response.prompt_tokens', 'required: the JSON path to the prompt token count');
    for (const [key, field] of [
      ['prompt_tokens', 'promptTokens'],
      ['completion_tokens', 'completionTokens'],
      ['text', 'text'],
    ] as const) {
      const path = raw.response[key];
      if (path === undefined) continue;
      if (typeof path !== 'string') {
        problem(`response.${key}`, 'should be a JSON path such as usage.prompt_tokens');
        continue;
      }
      const segments = parseJsonPath(path);
      if (typeof segments === 'string') problem(`response.${key}`, segments);
      else {
        response[field] = segments;
        response.paths[key] = path;
      }
    }
  }

  if (problems.length) throw new UserError(problems.join('\n'));
  return {
    url: url!,
    method: method as 'GET' | 'POST',
    headers,
    ...(secretHeader && { secretHeader }),
    query,
    ...(raw.body !== undefined && { body: raw.body }),
    uses,
    response: response as GenericHttpSpec['response'],
  };
}

function checkTemplate(
  text: string,
  where: string,
  uses: Set<Placeholder>,
  problem: (where: string, message: string) => void,
): void {
  if (text.includes('${')) problem(where, 'only a header may name an environment variable');
  const whole = new RegExp(`^${PLACEHOLDER.source}$`).exec(text);
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] as Placeholder;
    if (!PLACEHOLDERS.includes(name)) {
      problem(where, `unknown placeholder {{${match[1]}}}; expected ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`);
      continue;
    }
    if (name === 'messages' && !whole) problem(where, '{{messages}} is a list, so it must be the whole value');
    uses.add(name);
  }
}

/** Calls `visit` with every string in a JSON/YAML value and where it sits. */
export function walkStrings(value: unknown, where: string, visit: (text: string, where: string) => void): void {
  if (typeof value === 'string') visit(value, where);
  else if (Array.isArray(value)) value.forEach((item, i) => walkStrings(item, `${where}[${i}]`, visit));
  else if (isObject(value))
    for (const [key, item] of Object.entries(value)) walkStrings(item, `${where}.${key}`, visit);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
