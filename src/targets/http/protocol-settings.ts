import { UserError } from '../../util/errors.js';

/**
 * Settings a protocol takes from its target id's query (e.g. `anthropic:https://api.anthropic.com?count=messages`).
 * Each allowed setting lists its values; an unknown setting or value is the user's mistake.
 */
export function readSettings<K extends string>(
  scheme: string,
  given: Readonly<Record<string, string>> | undefined,
  allowed: Readonly<Record<K, readonly string[]>>,
): Partial<Record<K, string>> {
  const problems: string[] = [];
  const read: Partial<Record<K, string>> = {};
  for (const [name, value] of Object.entries(given ?? {})) {
    const values = (allowed as Record<string, readonly string[]>)[name];
    if (!values)
      problems.push(`${scheme}: unknown setting "${name}"; expected ${Object.keys(allowed).join(', ') || 'none'}`);
    else if (!values.includes(value)) problems.push(`${scheme}: ${name}=${value} is not one of ${values.join(', ')}`);
    else read[name as K] = value;
  }
  if (problems.length) throw new UserError(problems.join('\n'));
  return read;
}
