import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where downloaded tokenizer files are kept: $TOKPRINT_CACHE, else $XDG_CACHE_HOME/tokprint, else ~/.cache/tokprint. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TOKPRINT_CACHE) return env.TOKPRINT_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tokprint');
}
