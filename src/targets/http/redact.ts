/** Header names that carry credentials for some API or proxy, whatever the protocol says. */
const ALWAYS_SECRET = ['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie', 'set-cookie'];

export const REDACTED = '[redacted]';

/** A copy of `headers` with every credential header's value replaced, names lower-cased. */
export function redactHeaders(headers: Record<string, string>, secretNames: readonly string[] = []): Record<string, string> {
  const secret = new Set([...ALWAYS_SECRET, ...secretNames.map((n) => n.toLowerCase())]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = secret.has(name.toLowerCase()) ? REDACTED : value;
  return out;
}

/**
 * Removes the key wherever it appears in text that will be recorded or shown: servers echo keys in
 * error bodies ("Incorrect API key provided: sk-…"), and a record must never carry one.
 */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join(REDACTED);
}

/** Applies `scrubSecret` to every string inside a JSON-like value. */
export function scrubValue<T>(value: T, secret: string | undefined): T {
  if (!secret) return value;
  return JSON.parse(scrubSecret(JSON.stringify(value) ?? 'null', JSON.stringify(secret).slice(1, -1)));
}
