import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { UserError } from '../../util/errors.js';
import { sha256Hex } from '../../util/hash.js';

/** A request as the cache and the transcript name it: what was asked of which URL, never credentials. */
export interface CanonicalRequest {
  method: string;
  url: string;
  /** The protocol's own headers (e.g. an API version); credential headers are never part of it. */
  headers: Record<string, string>;
  body?: string;
}

export interface CachedReply {
  request: CanonicalRequest;
  status: number;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
  storedAt: string;
}

function sortedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortedJson((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The same request gives the same key whatever the order of JSON keys, query parameters or headers. */
export function requestKey(request: CanonicalRequest): string {
  const url = new URL(request.url);
  url.searchParams.sort();
  let body: unknown = request.body;
  if (request.body !== undefined) {
    try {
      body = sortedJson(JSON.parse(request.body));
    } catch {
      // not JSON: keyed by its exact text
    }
  }
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return sha256Hex(JSON.stringify(sortedJson({ method: request.method, url: url.href, headers, body })));
}

/**
 * Where an answer is kept: the request (its URL with credentials redacted) and a keyed hash of the
 * credentials it was sent with, so one key's answers are never served to another key, or to no key.
 */
export function cacheKey(requestKey: string, credentialTag: string): string {
  return sha256Hex(JSON.stringify([requestKey, credentialTag]));
}

/** A cache's salt: 32 random bytes in hex. */
const SALT = /^[0-9a-f]{64}$/;

/** A stored answer larger than this is not read back: it is not one a target gave to a probe. */
export const MAX_CACHED_BYTES = 16 * 1024 * 1024;

/**
 * Successful answers on disk, one file per cache key, reused only while younger than `ttlMs` and only for
 * the very request they answered; errors are never stored.
 */
export class ResponseCache {
  private saltRead?: Promise<string>;

  constructor(
    readonly dir: string,
    readonly ttlMs: number,
  ) {}

  /** This cache's random salt for credential tags, made on first use: the same key hashes differently on every machine. */
  salt(): Promise<string> {
    this.saltRead ??= this.readOrMakeSalt().catch((error: unknown) => {
      throw this.unusable(error);
    });
    return this.saltRead;
  }

  private unusable(error: unknown): UserError {
    return new UserError(
      `cannot use the answer cache at ${this.dir}: ${(error as Error).message.replace(/^\w+: /, '')}; fix it or run without --cache`,
    );
  }

  private async readOrMakeSalt(): Promise<string> {
    const path = join(this.dir, 'salt');
    await mkdir(this.dir, { recursive: true });
    for (let tries = 0; ; tries++) {
      let salt: string | undefined;
      try {
        salt = (await readFile(path, 'utf8')).trim();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      if (salt !== undefined && SALT.test(salt)) return salt;
      if (tries >= 2) throw new Error(`its salt file ${path} cannot be made`);
      // made whole aside, then linked in (a concurrent first run's link wins) or renamed over a salt left empty
      // or partial by a process killed while writing it: an empty salt would tag every key alike on every machine
      const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
      await writeFile(aside, randomBytes(32).toString('hex'), { mode: 0o600 });
      try {
        await (salt === undefined ? link(aside, path) : rename(aside, path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        await rm(aside, { force: true });
      }
    }
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /**
   * The answer stored under `key` for `request` if it was stored within the ttl before `now`; a file that is
   * too large, unreadable, not JSON or stored for another request is passed over.
   */
  async get(key: string, request: string, now: Date): Promise<CachedReply | undefined> {
    let reply: CachedReply;
    try {
      if ((await stat(this.path(key))).size > MAX_CACHED_BYTES) return undefined;
      reply = JSON.parse(await readFile(this.path(key), 'utf8')) as CachedReply;
      if (requestKey(reply.request) !== request) return undefined;
    } catch {
      return undefined;
    }
    const age = now.getTime() - Date.parse(reply.storedAt);
    return age >= 0 && age <= this.ttlMs ? reply : undefined;
  }

  async put(key: string, reply: CachedReply): Promise<void> {
    if (reply.status < 200 || reply.status >= 300) return;
    try {
      await writeFileAtomic(this.path(key), `${JSON.stringify(reply)}\n`);
    } catch (error) {
      throw this.unusable(error);
    }
  }
}
