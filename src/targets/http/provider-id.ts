import type { HttpScheme } from './protocols.js';

/**
 * The rest of a target id names a model rather than a server when it is neither empty, nor settings alone
 * (`?count=…`), nor a URL: `openai:gpt-4o`, `openai:chat:gpt-4o`, `anthropic:messages:claude-sonnet-4-5`,
 * `gemini:gemini-2.5-flash?count=generateContent`, as promptfoo writes provider ids.
 */
export function modelInId(rest: string, apiPrefixes: readonly string[]): { model: string; query: string } | undefined {
  if (!rest || rest.startsWith('?') || /^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) return undefined;
  const question = rest.indexOf('?');
  let model = question < 0 ? rest : rest.slice(0, question);
  const query = question < 0 ? '' : rest.slice(question);
  const prefix = apiPrefixes.find((p) => model.startsWith(`${p}:`));
  if (prefix) model = model.slice(prefix.length + 1);
  return model ? { model, query } : undefined;
}

function joinQuery(location: string, query: string): string {
  if (!query) return location;
  return location.includes('?') ? `${location}&${query.slice(1)}` : `${location}${query}`;
}

/**
 * A scheme that also takes a model name in place of its base URL; the server is then the one named by the
 * SDK's environment variable (`OPENAI_BASE_URL`...), or the API's own default. A URL in the id wins over it.
 */
export function withModelIds(base: HttpScheme, baseUrlEnv: string, apiPrefixes: readonly string[]): HttpScheme {
  return {
    ...base,
    baseUrlEnv,
    create(rest, env) {
      const fromEnv = env?.[baseUrlEnv]?.trim() ?? '';
      const named = modelInId(rest, apiPrefixes);
      if (!named) return base.create(rest && !rest.startsWith('?') ? rest : joinQuery(fromEnv, rest), env);
      // the server as the variable would have to name it again: its value, or the API's own base URL
      const url = fromEnv || base.create('', {}).baseUrl;
      return {
        ...base.create(joinQuery(fromEnv, named.query), env),
        model: named.model,
        server: { variable: baseUrlEnv, url },
      };
    },
  };
}
