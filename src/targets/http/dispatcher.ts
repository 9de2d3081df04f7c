import { resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import { EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { UserError } from '../../util/errors.js';
import { redactUrlText } from '../../util/secrets/secrets.js';
import { MiB, readUserFile } from '../../util/user-file.js';

/**
 * The connection pool for HTTP targets: `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` from the given
 * environment (not the process's, so a caller can pass its own), and extra trusted CAs from
 * `NODE_EXTRA_CA_CERTS` and `--ca-file` added to Node's bundled roots.
 */
export function createDispatcher(env: NodeJS.ProcessEnv, cwd: string, caFile?: string): Dispatcher {
  const extra = [env.NODE_EXTRA_CA_CERTS, caFile]
    .filter((f): f is string => Boolean(f))
    .map((file) => readCa(resolve(cwd, file)));
  const tls = extra.length ? { ca: [...rootCertificates, ...extra] } : {};
  return new EnvHttpProxyAgent({
    httpProxy: proxyUrl(env, 'http_proxy'),
    httpsProxy: proxyUrl(env, 'https_proxy'),
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
    connect: tls,
    requestTls: tls,
    proxyTls: tls,
  });
}

/** A CA bundle is some hundreds of kilobytes; a larger file is not one. */
const MAX_CA_FILE_BYTES = 16 * MiB;

function readCa(path: string): string {
  try {
    return new TextDecoder().decode(readUserFile(path, MAX_CA_FILE_BYTES, 'a CA file'));
  } catch (error) {
    throw new UserError(`cannot read CA file ${path}: ${(error as Error).message}`);
  }
}

/** A proxy variable's value (lower case first, as curl reads them), refused in one line when it is not a URL; its userinfo is never shown. */
function proxyUrl(env: NodeJS.ProcessEnv, lower: 'http_proxy' | 'https_proxy'): string {
  const upper = lower.toUpperCase();
  const [name, value] = env[lower] !== undefined ? [lower, env[lower]!] : [upper, env[upper] ?? ''];
  if (!value) return '';
  try {
    new URL(value);
  } catch {
    throw new UserError(`${name} is not a URL: "${redactUrlText(value)}" (expected e.g. http://proxy.example:3128)`);
  }
  return value;
}
