import { UserError } from '../util/errors.js';
import { TARGET_SCHEMES } from './create-target.js';
import { createHttpTarget } from './http/create-http-target.js';
import type { HttpTargetOptions } from './http/http-options.js';
import { httpScheme } from './http/protocols.js';
import { shownTarget } from './http/secrets.js';
import { parseSimSpec } from './sim-spec.js';

export interface TargetIdCheck {
  cwd: string;
  env: NodeJS.ProcessEnv;
  http?: HttpTargetOptions;
  /** Throws a UserError for a reference id the index does not know. */
  requireReference(id: string): void;
}

/**
 * Checks a target id as building its target would, without sending anything or loading a tokenizer: the scheme,
 * a `sim:` id's options and the references it names, that a tokenizer id names a source, an API's URL, model and key. Throws the
 * UserError the run would have stopped with.
 */
export function checkTargetId(id: string, check: TargetIdCheck): void {
  const colon = id.indexOf(':');
  const scheme = colon > 0 ? id.slice(0, colon) : '';
  const rest = colon > 0 ? id.slice(colon + 1) : '';
  if (scheme === 'sim') {
    const spec = parseSimSpec(rest);
    for (const reference of [spec.reference, spec.addTokens?.donor]) {
      if (reference === undefined) continue;
      try {
        check.requireReference(reference);
      } catch (error) {
        if (error instanceof UserError) throw new UserError(`${id}: ${error.message}`, { exitCode: error.exitCode });
        throw error;
      }
    }
    return;
  }
  if (scheme === 'tokenizer') {
    // the file itself is read by the run: a hub source would be fetched here
    if (!rest) throw new UserError(`${id}: give a tokenizer file or model directory, e.g. tokenizer:./tokenizer.json`);
    return;
  }
  const http = httpScheme(scheme);
  if (!http)
    throw new UserError(
      `unknown target "${shownTarget(id)}"; expected ${TARGET_SCHEMES.map((s) => `${s}:…`).join(' or ')}`,
    );
  // built and dropped unsent: its checks are the run's own, and its connection pool opens nothing until used
  createHttpTarget(id, http, rest, { cwd: check.cwd, env: check.env, options: check.http });
}
