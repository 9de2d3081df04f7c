import { createHttpTarget } from '../../src/targets/http/create-http-target.js';
import type { HttpTargetOptions } from '../../src/targets/http/http-options.js';
import { httpScheme } from '../../src/targets/http/protocols.js';
import type { WireEntry } from '../../src/targets/http/wire-entry.js';
import type { Target } from '../../src/targets/target.js';

/**
 * A target id (`anthropic:http://127.0.0.1:PORT`, `http:spec.yaml`, ...) built the way `createTarget` builds
 * it, on the real executor, with no response cache (the default), no retries unless asked, and no proxy from the
 * test process's environment. `wire` holds every recorded exchange.
 */
export function loopbackTarget(
  id: string,
  settings: { env?: NodeJS.ProcessEnv; cwd?: string; options?: HttpTargetOptions } = {},
): { target: Target; wire: WireEntry[] } {
  const colon = id.indexOf(':');
  const scheme = httpScheme(id.slice(0, colon));
  if (!scheme) throw new Error(`no HTTP scheme in ${id}`);
  const wire: WireEntry[] = [];
  const target = createHttpTarget(id, scheme, id.slice(colon + 1), {
    cwd: settings.cwd ?? process.cwd(),
    env: settings.env ?? {},
    options: { retries: 0, requestsPerSecond: 1000, ...settings.options },
    wire: { append: (entry) => wire.push(entry) },
  });
  return { target, wire };
}

/** The bodies of the requests the executor sent, parsed. */
export function sentBodies(wire: readonly WireEntry[]): unknown[] {
  return wire.flatMap((e) => (e.kind === 'http-request' && e.body !== undefined ? [JSON.parse(e.body)] : []));
}
