import { UserError } from '../../util/errors.js';
import { type HfHubOptions, hfFileUrl } from '../../references/store/hf-hub.js';
import { type ByteSource, truncatedError } from './byte-source.js';

const MAX_REDIRECTS = 10;
/** The first request reads this much: a safetensors header or a GGUF header's start usually fits. */
const FIRST_READ = 256 * 1024;

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * One ranged GET, redirects followed by hand so that the token goes only to the origin it was given for (the hub
 * sends large files on to a CDN on another origin, which must not see it).
 */
async function rangedGet(start: URL, token: string | undefined, first: number, last: number): Promise<Response> {
  let url = start;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'tokprint', range: `bytes=${first}-${last}` };
    if (token && url.origin === start.origin) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(url, { headers, redirect: 'manual' });
    } catch (error) {
      throw new UserError(
        `could not reach ${url.origin} (${describeNetworkError(error)}); check the network or HF_ENDPOINT`,
        {
          cause: error,
        },
      );
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    return response;
  }
  throw new UserError(`too many redirects fetching ${start.origin}${start.pathname}`);
}

/**
 * A file of a hub repository read by HTTP range requests (HF_ENDPOINT, HF_TOKEN as for tokenizer files): a
 * checkpoint of many gigabytes costs only the ranges a fingerprint needs. A server that ignores Range is refused
 * rather than downloaded whole.
 */
export async function hubByteSource(
  options: HfHubOptions,
  repo: string,
  revision: string,
  path: string,
): Promise<ByteSource> {
  const { url, name } = hfFileUrl(options, repo, revision, path);
  let bytesRead = 0;

  const get = async (first: number, last: number): Promise<{ bytes: Uint8Array; total: number }> => {
    const response = await rangedGet(url, options.token, first, last);
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new UserError(
        `${name}: access denied (HTTP ${response.status}); ${options.token ? 'HF_TOKEN has no access to this repository' : 'set HF_TOKEN to a token with access'}`,
      );
    }
    if (response.status === 404) {
      await response.body?.cancel();
      throw new UserError(`${name}: not found (HTTP 404); check the repository, revision and file name`);
    }
    if (response.status === 416) {
      await response.body?.cancel();
      throw new UserError(
        `${name}: the hub refused the byte range ${first}-${last} (HTTP 416); the file is shorter than its header says`,
      );
    }
    if (response.status !== 206) {
      await response.body?.cancel();
      throw new UserError(
        `${name}: the server answered HTTP ${response.status} to a range request; tokprint reads weights only by ranges`,
      );
    }
    const total = Number(/\/\s*(\d+)\s*$/.exec(response.headers.get('content-range') ?? '')?.[1]);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw new UserError(`${name}: the download broke off (${describeNetworkError(error)}); try again`, {
        cause: error,
      });
    }
    bytesRead += bytes.length;
    return { bytes, total };
  };

  const head = await get(0, FIRST_READ - 1);
  if (!Number.isSafeInteger(head.total)) throw new UserError(`${name}: the server did not state the file's size`);
  const size = head.total;
  const prefix = head.bytes;
  return {
    name,
    size,
    get bytesRead() {
      return bytesRead;
    },
    async read(offset, length) {
      if (offset < 0 || offset + length > size) throw truncatedError(name, offset, length, size);
      if (offset + length <= prefix.length) return prefix.slice(offset, offset + length);
      if (length === 0) return new Uint8Array(0);
      const { bytes } = await get(offset, offset + length - 1);
      if (bytes.length !== length) throw truncatedError(name, offset, length, offset + bytes.length);
      return bytes;
    },
    close: async () => {},
  };
}
