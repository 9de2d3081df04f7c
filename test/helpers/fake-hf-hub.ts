import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256Hex } from '../../src/util/hash.js';

export interface FakeRepo {
  /** 40 hex digits: what `main` resolves to. */
  commit: string;
  files: Record<string, Uint8Array>;
  /** When set, the repository is gated: requests without `Authorization: Bearer <token>` get 401. */
  token?: string;
  /** Other branches and tags (names may hold `/`), all at `commit`. */
  refs?: string[];
}

export interface SeenRequest {
  path: string;
  authorization?: string;
}

export interface FakeHub {
  /** Use as HF_ENDPOINT. */
  endpoint: string;
  hubRequests: SeenRequest[];
  cdnRequests: SeenRequest[];
  close(): Promise<void>;
}

/** A file's bytes, or the part a `Range: bytes=a-b` header asks for (206 with Content-Range), as the hub and its CDN answer. */
function sendFile(
  request: IncomingMessage,
  response: ServerResponse,
  headers: Record<string, string>,
  file: Uint8Array,
): void {
  const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
  if (!range) {
    send(response, 200, { ...headers, 'content-type': 'application/octet-stream' }, file);
    return;
  }
  const first = Number(range[1]);
  const last = Math.min(range[2] ? Number(range[2]) : file.length - 1, file.length - 1);
  if (first >= file.length) {
    send(response, 416, { ...headers, 'content-range': `bytes */${file.length}` });
    return;
  }
  send(
    response,
    206,
    {
      ...headers,
      'content-type': 'application/octet-stream',
      'content-range': `bytes ${first}-${last}/${file.length}`,
    },
    file.subarray(first, last + 1),
  );
}

/** Files at least this large are served the way the hub serves LFS files: a redirect to a CDN on another origin. */
const LFS_THRESHOLD = 1024;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
  body: string | Uint8Array = '',
): void {
  response.writeHead(status, headers);
  response.end(body);
}

/**
 * A local stand-in for the Hugging Face hub's download layout, `/<org>/<repo>/resolve/<revision>/<file>`:
 * X-Repo-Commit on every answer, small files served directly (after a same-origin redirect from a branch name to
 * its commit), large files redirected to a CDN on another port, byte ranges honoured by both, 401 for gated repositories without the token, 404 otherwise.
 */
export async function startFakeHub(repos: Record<string, FakeRepo>): Promise<FakeHub> {
  const hubRequests: SeenRequest[] = [];
  const cdnRequests: SeenRequest[] = [];
  const blobs = new Map<string, Uint8Array>();

  const cdn = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url!, 'http://cdn');
    cdnRequests.push({ path: url.pathname, authorization: request.headers.authorization });
    const blob = blobs.get(url.pathname.replace(/^\/blobs\//, ''));
    if (!blob || !url.searchParams.get('signature')) return send(response, 403);
    sendFile(request, response, {}, blob);
  });
  const cdnPort = await listen(cdn);

  const hub = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url!, 'http://hub');
    hubRequests.push({ path: url.pathname, authorization: request.headers.authorization });
    const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = match && repos[match[1]];
    if (!match || !repo) return send(response, 404, { 'x-error-code': 'RepoNotFound' });
    if (repo.token && request.headers.authorization !== `Bearer ${repo.token}`)
      return send(response, 401, { 'x-error-code': 'GatedRepo' });
    const revision = decodeURIComponent(match[2]);
    if (revision !== 'main' && revision !== repo.commit && !repo.refs?.includes(revision))
      return send(response, 404, { 'x-error-code': 'RevisionNotFound' });
    const file = repo.files[decodeURIComponent(match[3])];
    const commitHeader = { 'x-repo-commit': repo.commit };
    if (!file) return send(response, 404, { ...commitHeader, 'x-error-code': 'EntryNotFound' });
    if (file.length >= LFS_THRESHOLD) {
      const sha = sha256Hex(file);
      blobs.set(sha, file);
      return send(response, 302, {
        ...commitHeader,
        location: `http://127.0.0.1:${cdnPort}/blobs/${sha}?signature=signed`,
      });
    }
    if (revision !== repo.commit)
      return send(response, 307, { ...commitHeader, location: `/${match[1]}/resolve/${repo.commit}/${match[3]}` });
    sendFile(request, response, commitHeader, file);
  });
  const hubPort = await listen(hub);

  return {
    endpoint: `http://127.0.0.1:${hubPort}`,
    hubRequests,
    cdnRequests,
    close: async () => {
      hub.closeAllConnections();
      cdn.closeAllConnections();
      await Promise.all([new Promise((resolve) => hub.close(resolve)), new Promise((resolve) => cdn.close(resolve))]);
    },
  };
}

/** A loopback URL nothing listens on, for "connection refused". */
export async function closedLoopbackEndpoint(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
