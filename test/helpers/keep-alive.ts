import type { Server } from 'node:http';

/**
 * Lets the client, not the server, end idle connections: a test that builds references or loads tokenizers between
 * requests on a loaded machine leaves a kept-alive socket idle past Node's 5 s default, and a server closing it just
 * as the next request is written resets that request (ECONNRESET).
 */
export function clientEndsIdle<S extends Pick<Server, 'keepAliveTimeout'>>(server: S): S {
  server.keepAliveTimeout = 10 * 60_000;
  return server;
}
