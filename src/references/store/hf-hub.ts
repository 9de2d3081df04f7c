import { UserError } from '../../util/errors.js';
import { formatBytes, GiB } from '../../util/user-file.js';
import { Redactor, redactUrlText } from '../../targets/http/secrets.js';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export interface HfHubOptions {
  /** Base URL of the hub, from $HF_ENDPOINT. */
  endpoint: string;
  /** Access token, from $HF_TOKEN; sent only to the hub's own origin. */
  token?: string;
}

export interface HfFile {
  bytes: Uint8Array;
  /** The commit the hub resolved the revision to, when it said (X-Repo-Commit). */
  commit?: string;
}

/** The hub has no such repository, revision or file (as opposed to refusing access or being unreachable). */
export class HfNotFoundError extends UserError {
  /** Only the file is missing: the repository and revision exist. */
  readonly fileOnly: boolean;

  constructor(message: string, fileOnly: boolean) {
    super(message);
    this.fileOnly = fileOnly;
  }
}

const MAX_REDIRECTS = 10;
/** Most bytes read from a tokenizer.json, tiktoken rank file or tokenizer_config.json, local or downloaded (the largest known are ~35 MB). */
export const MAX_TOKENIZER_FILE_BYTES = GiB;
const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

export function hfHubOptions(env: NodeJS.ProcessEnv): HfHubOptions {
  return { endpoint: (env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT).replace(/\/+$/, ''), token: env.HF_TOKEN || undefined };
}

/** Refuses, before any request, an HF_ENDPOINT that is not an http(s) URL or that holds credentials (shown redacted). */
export function checkHfEndpoint(endpoint: string): void {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    // refused below
  }
  const problem = !url
    ? 'is not a URL'
    : url.protocol !== 'http:' && url.protocol !== 'https:'
      ? 'must be an http or https URL'
      : url.username || url.password
        ? 'must not hold credentials (use HF_TOKEN)'
        : undefined;
  if (problem) throw new UserError(`HF_ENDPOINT "${redactUrlText(endpoint)}" ${problem}`);
}

export function isHfRepoId(repo: string): boolean {
  return REPO_ID.test(repo);
}

/** Longest revision accepted; git itself allows longer refs, the hub's branch names stay far below. */
const MAX_REVISION = 255;

/**
 * Why `revision` cannot be a hub branch, tag or commit, or undefined when it can. Git's ref-name rules, so
 * nothing in it can climb out of `/resolve/<revision>/` in the request path: no `..`, no empty or dot-led
 * segment, no leading or trailing `/`, no `\`, control characters, spaces or `~^:?*[`, no `@{`.
 */
export function hfRevisionProblem(revision: string): string | undefined {
  if (!revision) return 'it is empty';
  if (revision.length > MAX_REVISION) return `it is longer than ${MAX_REVISION} characters`;
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(revision)) return 'it holds a space, a control character or one of ~^:?*[\\';
  if (revision.includes('..')) return 'it holds ".."';
  if (revision.includes('@{')) return 'it holds "@{"';
  const segments = revision.split('/');
  if (segments.some((segment) => segment === '' || segment.startsWith('.') || segment.endsWith('.lock'))) {
    return 'a "/"-separated part of it is empty, starts with "." or ends with ".lock"';
  }
  if (revision.endsWith('.')) return 'it ends with "."';
  return undefined;
}

/** Refuses a revision that is no branch, tag or commit, before any request is made with it. */
export function checkHfRevision(revision: string, repo: string): void {
  const problem = hfRevisionProblem(revision);
  if (problem)
    throw new UserError(
      `revision ${JSON.stringify(revision)} of hf:${repo} is not a branch, tag or commit name (${problem})`,
    );
}

export function hfResolveUrl(endpoint: string, repo: string, revision: string, path: string): URL {
  const encodedPath = path.split('/').map(encodeURIComponent).join('/');
  return new URL(`${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodedPath}`);
}

/** A URL as it may appear in a message: no credentials, no query (signed CDN URLs carry secrets there). */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Whether a downloaded file holds `secret` in any form a server could echo it in (as sent, URL-, JSON- or HTML-escaped, base64 at any offset). */
function holdsSecret(bytes: Uint8Array, secret: string): boolean {
  const text = new TextDecoder().decode(bytes);
  return new Redactor([secret]).text(text) !== text;
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * GETs a URL, following redirects by hand so that the Authorization header is sent only while the
 * request stays on the origin it was given for: the hub redirects large files to a CDN, which must not see the token.
 */
async function getFollowingRedirects(
  start: URL,
  token: string | undefined,
): Promise<{ response: Response; commit?: string }> {
  const tokenOrigin = start.origin;
  let url = start;
  let commit: string | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'tokprint' };
    if (token && url.origin === tokenOrigin) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(url, { headers, redirect: 'manual' });
    } catch (error) {
      throw new UserError(
        `could not reach ${url.origin} (${describeNetworkError(error)}); check the network, HF_ENDPOINT, or pre-fill the cache with tokprint refs pull`,
        {
          cause: error,
        },
      );
    }
    commit ??= response.headers.get('x-repo-commit') ?? undefined;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    return { response, commit };
  }
  throw new UserError(`too many redirects fetching ${shown(start)}`);
}

/** The body, refused in one line once it passes MAX_TOKENIZER_FILE_BYTES (stated or counted). */
async function cappedBody(response: Response, what: string): Promise<Uint8Array> {
  const tooLarge = () =>
    new UserError(
      `${what} is larger than ${formatBytes(MAX_TOKENIZER_FILE_BYTES)}, the most tokprint reads from a tokenizer file`,
    );
  if (Number(response.headers.get('content-length')) > MAX_TOKENIZER_FILE_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    // leaving the loop by a throw cancels the rest of the body
    for await (const chunk of response.body ?? []) {
      total += chunk.length;
      if (total > MAX_TOKENIZER_FILE_BYTES) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `${what}: the download broke off after ${total} bytes (${describeNetworkError(error)}); try again`,
      { cause: error },
    );
  }
  return Buffer.concat(chunks);
}

/** The checked address of one file of a hub repository at a revision, and the name it is shown by. */
export function hfFileUrl(
  options: Pick<HfHubOptions, 'endpoint'>,
  repo: string,
  revision: string,
  path: string,
): { url: URL; name: string } {
  checkHfEndpoint(options.endpoint);
  if (!isHfRepoId(repo)) throw new UserError(`"${repo}" is not a Hugging Face repository id (expected org/name)`);
  checkHfRevision(revision, repo);
  if (path.split('/').some((part) => part === '' || part === '.' || part === '..'))
    throw new UserError(`"${path}" is not a file path inside hf:${repo}`);
  return { url: hfResolveUrl(options.endpoint, repo, revision, path), name: `hf:${repo}@${revision}/${path}` };
}

/** Downloads one file of a hub repository at a revision (a branch, tag or commit). */
export async function downloadHfFile(
  options: HfHubOptions,
  repo: string,
  revision: string,
  path: string,
): Promise<HfFile> {
  const { url, name: what } = hfFileUrl(options, repo, revision, path);
  const { response, commit } = await getFollowingRedirects(url, options.token);
  if (response.ok) {
    const bytes = await cappedBody(response, what);
    // a token too short to be told from ordinary text is not looked for
    if (options.token && options.token.length >= 8 && holdsSecret(bytes, options.token)) {
      throw new UserError(
        `${what}: the hub's answer holds your HF_TOKEN, so it is not stored; check HF_ENDPOINT points at a hub you trust`,
      );
    }
    return { bytes, commit: commit && /^[0-9a-f]{40}$/.test(commit) ? commit : undefined };
  }
  await response.body?.cancel();
  if (response.status === 401 || response.status === 403) {
    throw new UserError(
      options.token
        ? `${what}: access denied (HTTP ${response.status}); HF_TOKEN has no access to this repository: accept its terms on the hub or use another token`
        : `${what}: access denied (HTTP ${response.status}); the repository is gated or private: set HF_TOKEN to a token with access`,
    );
  }
  if (response.status === 404) {
    // The hub says which part is missing in X-Error-Code.
    const code = response.headers.get('x-error-code');
    if (code === 'RepoNotFound')
      throw new HfNotFoundError(`hf:${repo}: repository not found (HTTP 404); check its name`, false);
    if (code === 'RevisionNotFound')
      throw new HfNotFoundError(
        `hf:${repo}@${revision}: revision not found (HTTP 404); check the branch, tag or commit`,
        false,
      );
    throw new HfNotFoundError(
      `${what}: not found (HTTP 404); check the repository, revision and file name`,
      code === 'EntryNotFound',
    );
  }
  throw new UserError(`${what}: the hub answered HTTP ${response.status} from ${shown(url)}`);
}

/** The file, or undefined when the repository and revision exist but the file does not; other failures are raised. */
export async function tryDownloadHfFile(
  options: HfHubOptions,
  repo: string,
  revision: string,
  path: string,
): Promise<HfFile | undefined> {
  try {
    return await downloadHfFile(options, repo, revision, path);
  } catch (error) {
    if (error instanceof HfNotFoundError && error.fileOnly) return undefined;
    throw error;
  }
}
