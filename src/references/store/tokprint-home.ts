import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the user's own settings and index live: $TOKPRINT_HOME, else $XDG_CONFIG_HOME/tokprint, else ~/.config/tokprint. */
export function tokprintHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TOKPRINT_HOME) return env.TOKPRINT_HOME;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'tokprint');
}

/** The user's index directory, holding a manifest.json with the committed manifest's schema. */
export function userIndexDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(tokprintHome(env), 'index');
}
