import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import type { CountSignatures } from './count-signatures.js';
import type { ParsedJson } from '../util/parsed-json.js';

export const COUNT_SIGNATURES_FILE = 'count-signatures.json';

/** Compact on disk: one line per reference, so the file stays small and diffs stay readable. */
export function formatCountSignatures(signatures: CountSignatures): string {
  const { references, dropped, probes, ...head } = signatures;
  const lines = [
    '{',
    ...Object.entries(head).map(([key, value]) => `"${key}":${JSON.stringify(value)},`),
    `"probes":${JSON.stringify(probes)},`,
    '"references":[',
    references.map((r) => JSON.stringify(r)).join(',\n'),
    '],',
    `"dropped":[\n${dropped.map((d) => JSON.stringify(d)).join(',\n')}\n]`,
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

export async function readCountSignatures(dir: string): Promise<CountSignatures> {
  const path = join(dir, COUNT_SIGNATURES_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${path} (${(error as Error).message}); build it with tokprint refs build`, {
      cause: error,
    });
  }
  let json: ParsedJson;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      `${path} is not valid JSON (${(error as Error).message}); rebuild it with tokprint refs build`,
      { cause: error },
    );
  }
  if (json?.schema !== 1 || !Array.isArray(json.probes) || !Array.isArray(json.references)) {
    throw new UserError(`${path} is not a tokprint count-signature file; rebuild it with tokprint refs build`);
  }
  return json as CountSignatures;
}
