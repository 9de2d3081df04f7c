/** Header names that carry credentials for some API or proxy, whatever the protocol says. */
const ALWAYS_SECRET = [
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
];

export const REDACTED = '[redacted]';

/** A copy of `headers` with every credential header's value replaced, names lower-cased. */
export function redactHeaders(
  headers: Record<string, string>,
  secretNames: readonly string[] = [],
): Record<string, string> {
  const secret = new Set([...ALWAYS_SECRET, ...secretNames.map((n) => n.toLowerCase())]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    out[name.toLowerCase()] = secret.has(name.toLowerCase()) ? REDACTED : value;
  return out;
}
