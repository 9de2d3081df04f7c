import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import type { Probe } from './probe.js';
import type { ParsedJson } from '../util/parsed-json.js';

export const HANDWRITTEN_FILE = 'handwritten.jsonl';
export const MINED_FILE = 'mined.jsonl';
/** Domain terms (medicine, law, finance, chemistry, code, German), scored for the edge check's domain-extension kind. */
export const DOMAIN_FILE = 'domain.jsonl';

export function parseProbeLines(text: string, where: string): Probe[] {
  const probes: Probe[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let value: ParsedJson;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new UserError(`${where}:${i + 1} is not valid JSON (${(error as Error).message})`);
    }
    if (typeof value?.id !== 'string' || typeof value.text !== 'string' || typeof value.category !== 'string') {
      throw new UserError(`${where}:${i + 1}: a probe needs string id, text and category`);
    }
    probes.push({ why: '', source: 'handwritten', ...value });
  });
  return probes;
}

export function formatProbeLines(probes: readonly Probe[]): string {
  return `${probes.map((probe) => JSON.stringify(probe)).join('\n')}\n`;
}

/** The pool as committed: handwritten probes first, then mined ones, then the domain terms; ids are unique. */
export function readProbePool(dir: string): Probe[] {
  const probes: Probe[] = [];
  for (const name of [HANDWRITTEN_FILE, MINED_FILE, DOMAIN_FILE]) {
    const path = join(dir, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && name !== HANDWRITTEN_FILE) continue;
      throw new UserError(`cannot read the probe pool ${path} (${(error as Error).message})`);
    }
    probes.push(...parseProbeLines(text, path));
  }
  const seen = new Set<string>();
  for (const probe of probes) {
    if (seen.has(probe.id)) throw new UserError(`probe id "${probe.id}" appears twice in ${dir}`);
    seen.add(probe.id);
  }
  return probes;
}
