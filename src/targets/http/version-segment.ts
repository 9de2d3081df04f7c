/**
 * Base URLs as users copy them from an SDK's settings end in the API's version segment
 * (`https://api.anthropic.com/v1`); others name the server alone. A protocol whose paths start with the version
 * takes the segment off the base, so it is never doubled; a path prefix before it (`https://host/proxy/v1`) stays.
 */
export function withoutVersionSegment(
  baseUrl: string,
  versions: readonly string[],
): { baseUrl: string; version?: string } {
  const url = parsed(baseUrl);
  if (!url) return { baseUrl };
  const segments = url.pathname.replace(/\/+$/, '').split('/');
  const last = segments.at(-1) ?? '';
  if (!versions.includes(last)) return { baseUrl };
  url.pathname = segments.slice(0, -1).join('/') || '/';
  return { baseUrl: url.href, version: last };
}

/**
 * For APIs whose paths follow the version (OpenAI-style `chat/completions`): a base URL that names the server
 * alone gets the usual version segment; any path given is kept as the user wrote it.
 */
export function withVersionSegment(baseUrl: string, version: string): string {
  const url = parsed(baseUrl);
  if (url?.pathname !== '/') return baseUrl;
  url.pathname = `/${version}`;
  return url.href;
}

function parsed(baseUrl: string): URL | undefined {
  try {
    return new URL(baseUrl);
  } catch {
    return undefined;
  }
}
