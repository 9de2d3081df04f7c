import { UserError } from '../util/errors.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MembershipFilter } from './vocab-membership.js';
import type { ParsedJson } from '../util/parsed-json.js';

export const VOCAB_MEMBERSHIP_FILE = 'vocab-membership.json';

/** Per tokenizer class, a filter of its token byte strings (the union over its members). */
export interface VocabMembership {
  schema: 1;
  classes: { id: string; tokens: number; filter: MembershipFilter }[];
}

/** One line per class, the filter as base64. */
export function formatVocabMembership(membership: VocabMembership): string {
  const lines = membership.classes.map(({ id, tokens, filter }) =>
    JSON.stringify({
      id,
      tokens,
      bits: filter.bits,
      hashes: filter.hashes,
      data: Buffer.from(filter.data).toString('base64'),
    }),
  );
  return `{"schema":1,\n"classes":[\n${lines.join(',\n')}\n]}\n`;
}

export function parseVocabMembership(text: string): VocabMembership {
  const json = JSON.parse(text);
  if (json?.schema !== 1 || !Array.isArray(json.classes)) throw new Error('not a tokprint vocabulary membership file');
  return {
    schema: 1,
    classes: json.classes.map((c: ParsedJson) => ({
      id: String(c.id),
      tokens: Number(c.tokens),
      filter: {
        bits: Number(c.bits),
        hashes: Number(c.hashes),
        data: new Uint8Array(Buffer.from(String(c.data), 'base64')),
      },
    })),
  };
}

/** The membership section of an index, or undefined when the index was built without it. */
export async function readVocabMembership(dir: string): Promise<VocabMembership | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, VOCAB_MEMBERSHIP_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return parseVocabMembership(text);
  } catch (error) {
    throw new UserError(
      `${join(dir, VOCAB_MEMBERSHIP_FILE)} is damaged (${(error as Error).message}); rebuild it with tokprint refs build`,
      { cause: error },
    );
  }
}
