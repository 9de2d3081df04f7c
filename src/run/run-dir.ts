import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shownTarget, targetForName } from '../util/secrets/secrets.js';
import { fileSystemError } from '../util/fs-errors.js';

export const RUN_FILES = {
  config: 'config.json',
  transcript: 'transcript.jsonl',
  observations: 'observations.jsonl',
  verdict: 'verdict.json',
};

/**
 * A fresh directory for one run under `root`, named by time and target so runs sort and read well; credential
 * parameters and userinfo never make it into the name, whatever their length.
 */
export function createRunDir(root: string, target: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  const slug =
    targetForName(shownTarget(target))
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'target';
  try {
    mkdirSync(root, { recursive: true });
  } catch (error) {
    throw fileSystemError(error, `cannot create runs under --out ${root}`);
  }
  for (let n = 0; ; n++) {
    const dir = join(root, `${stamp}-${slug}${n ? `-${n}` : ''}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw fileSystemError(error, `cannot create a run directory under --out ${root}`);
    }
  }
}

export function writeRunJson(dir: string, name: string, value: unknown): void {
  writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
}

export function appendRunLine(dir: string, name: string, value: unknown): void {
  appendFileSync(join(dir, name), `${JSON.stringify(value)}\n`);
}
