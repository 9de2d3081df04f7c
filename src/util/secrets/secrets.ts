import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { echoPattern } from '../echo-pattern.js';
import { REDACTED } from './redact.js';
import { redactSplit } from './split-secrets.js';

/** Query parameter names that carry a credential whatever their spelling: Gemini's `key`, signed URLs' `sig`, OAuth's `code`... */
const SECRET_NAMES = ['code', 'sig', 'sas', 'auth', 'pwd', 'pass', 'session'];
/** ... and every name ending in one of these once case and separators are ignored: `api-key`, `X-Goog-Api-Key`, `X-Amz-Signature`, `client_secret`, `access_token`. */
const SECRET_ENDINGS = ['key', 'token', 'secret', 'signature', 'password', 'passwd', 'credential', 'credentials'];

/** Shorter secrets are not scrubbed from text by value: replacing every "ab" would shred the record. */
export const MIN_SCRUBBED_LENGTH = 4;

export function isSecretParam(name: string): boolean {
  const bare = name.toLowerCase().replace(/[-_.]/g, '');
  return SECRET_NAMES.includes(bare) || SECRET_ENDINGS.some((ending) => bare.endsWith(ending));
}

/** The values of a URL's credential parameters, in its query or its fragment (`#access_token=…`), empty ones left out. */
export function secretQueryValues(url: URL): string[] {
  const params = [...url.searchParams, ...new URLSearchParams(url.hash.slice(1))];
  return params.flatMap(([name, value]) => (isSecretParam(name) && value ? [value] : []));
}

// `[?&#;]name=value` inside any text: a target id's `?settings`, a URL, a URL inside an error message
const SECRET_NAME = `(?:[\\w.-]*(?:${SECRET_ENDINGS.join('|')})|${SECRET_NAMES.join('|')})`;
const SECRET_PARAM = new RegExp(`([?&#;]${SECRET_NAME}=)([^&#;\\s"']*)`, 'gi');
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/?#@\s"']*@/gi;

/**
 * Text with every credential parameter's value and every URL's userinfo replaced by `[redacted]`, by
 * their place rather than their value, so even a secret too short to scrub by value never shows.
 */
export function redactUrlText(text: string): string {
  return text
    .replace(USERINFO, `$1${REDACTED}@`)
    .replace(SECRET_PARAM, (_, head: string, value: string) => (value ? `${head}${REDACTED}` : head));
}

/**
 * A target id as it may be shown and stored (stdout, config, run record, verdict, reports): credential
 * parameters and URL userinfo redacted, everything else as the user wrote it.
 */
export function shownTarget(id: string): string {
  return redactUrlText(id);
}

/** A shown target without its redacted credential parameters, for a run directory's name. */
export function targetForName(shown: string): string {
  return shown
    .replace(USERINFO, '$1')
    .replace(SECRET_PARAM, (_, head: string) => head[0])
    .replace(/\?&+/g, '?')
    .replace(/&{2,}/g, '&')
    .replace(/[?&#;]+$/, '');
}

/** The secret and its base64 forms (a Basic credential, a token wrapped by a gateway), each to be matched however it was escaped. */
function echoedForms(secret: string): string[] {
  const base64 = Buffer.from(secret).toString('base64').replace(/=+$/, '');
  return [secret, base64, Buffer.from(secret).toString('base64url'), ...embeddedBase64Forms(secret)];
}

/** Base64 characters of a group's first 0, 1 or 2 bytes that also depend on the bytes before the secret. */
const LEADING_MIXED = [0, 2, 3];

/**
 * The base64 characters that the secret alone determines when it is encoded inside a longer text (`Bearer sk-…`,
 * a JSON dump of the request headers), at each of the three byte offsets it can start at in a 3-byte group:
 * the characters mixing its first or last bits with its neighbours' are left out, so the form matches whatever surrounds it.
 */
function embeddedBase64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [0, 1, 2].flatMap((offset) => {
    const placed = Buffer.concat([Buffer.alloc(offset), bytes]);
    const end = Math.floor(placed.length / 3) * 4 + (placed.length % 3);
    return (['base64', 'base64url'] as const)
      .map((alphabet) => placed.toString(alphabet).slice(LEADING_MIXED[offset], end))
      .filter((form) => form.length >= MIN_SCRUBBED_LENGTH);
  });
}

export interface SecretSources {
  apiKey?: string;
  /** Credential values from the base URL's query (or a spec file's URL). */
  queryValues?: readonly string[];
  /** The base URL's userinfo, refused but still kept out of every line. */
  userinfo?: { username: string; password: string };
}

/**
 * Removes a target's secrets, by value, from everything that is recorded or shown. Built once per target
 * from every secret it has; each secret is removed in every form it could come back in, longest first,
 * so a shorter secret inside a longer one cannot leave a piece of it behind.
 */
export class Redactor {
  private readonly pattern?: RegExp;

  constructor(readonly secrets: readonly string[]) {
    const forms = new Set<string>();
    for (const secret of secrets)
      if (secret.length >= MIN_SCRUBBED_LENGTH) for (const form of echoedForms(secret)) forms.add(form);
    const longestFirst = [...forms].sort((a, b) => b.length - a.length);
    if (longestFirst.length) this.pattern = new RegExp(longestFirst.map(echoPattern).join('|'), 'g');
  }

  static from(sources: SecretSources): Redactor {
    const secrets: string[] = [];
    if (sources.apiKey) secrets.push(sources.apiKey);
    secrets.push(...(sources.queryValues ?? []));
    const { username, password } = sources.userinfo ?? { username: '', password: '' };
    const user = safeDecode(username);
    const pass = safeDecode(password);
    if (pass) secrets.push(pass, Buffer.from(`${user}:${pass}`).toString('base64'));
    if (user && !pass) secrets.push(user);
    return new Redactor(secrets);
  }

  /**
   * Text with every secret replaced by value. Answers go through this alone: a credential-looking
   * parameter inside a model's text is evidence, not a secret of ours.
   */
  text(text: string): string {
    return this.pattern ? text.replace(this.pattern, REDACTED) : text;
  }

  /**
   * A body as recorded: `text`, and for a JSON body or a stream's JSON events, a secret split across consecutive
   * strings of one field (deltas, logprob tokens) too; the body is re-serialized only where that happened.
   */
  body(body: string, stream: boolean): string {
    const text = this.text(body);
    if (!this.pattern) return text;
    if (!stream) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return text;
      }
      return redactSplit(json, this.pattern) ? JSON.stringify(json) : text;
    }
    const lines = text.split('\n');
    const events: { at: number; json: unknown }[] = [];
    lines.forEach((line, at) => {
      const data = /^data: ?(.*)$/.exec(line);
      if (!data) return;
      try {
        events.push({ at, json: JSON.parse(data[1]) });
      } catch {
        // a `[DONE]` or other non-JSON data line: only whole secrets are removed from it
      }
    });
    const before = events.map((e) => JSON.stringify(e.json));
    if (
      !redactSplit(
        events.map((e) => e.json),
        this.pattern,
      )
    )
      return text;
    events.forEach((event, i) => {
      const after = JSON.stringify(event.json);
      if (after !== before[i]) lines[event.at] = `data: ${after}`;
    });
    return lines.join('\n');
  }

  /** A URL, header value or message line: secrets by value, and credential parameters and userinfo by place. */
  line(text: string): string {
    return redactUrlText(this.text(text));
  }

  /** Every string inside a JSON-like value, keys included, through `text`. */
  value<T>(value: T): T {
    const out = this.eachString(value);
    if (this.pattern) redactSplit(out, this.pattern);
    return out;
  }

  private eachString<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.eachString(item)) as T;
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.text(k), this.eachString(v)])) as T;
    return value;
  }

  /** Header names and values: a server can echo a key in either. */
  headers(headers: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [this.text(name), this.line(value)]));
  }

  /**
   * A slow, salted hash of the credentials, so cached answers are kept per key while the cache (which holds the
   * salt) costs an attacker about 50 ms per guessed key; `none` when the target has no credentials.
   */
  async credentialTag(salt: string): Promise<string> {
    if (!this.secrets.length) return 'none';
    const tag = (await scryptAsync(
      JSON.stringify(this.secrets),
      `tokprint http answer cache ${salt}`,
      32,
      SCRYPT_COST,
    )) as Buffer;
    return tag.toString('hex');
  }
}

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: string,
  keylen: number,
  options: object,
) => Promise<Buffer>;
/** About 50 ms and 16 MB per hash: once per run, far too slow to try short keys by the million. */
const SCRYPT_COST = { N: 2 ** 14, r: 8, p: 1 };

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A shown target whose credentials were redacted, so they must be given again to send anything. */
export function withholdsCredentials(shown: string): boolean {
  return shown.includes(REDACTED);
}

/** Whether `given` is the recorded target once redacted: each `[redacted]` of the record stands for whatever secret was there. */
export function isRecordedTarget(given: string, recorded: string): boolean {
  const pattern = recorded
    .split(REDACTED)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/?#&;@]+');
  return shownTarget(given) === recorded || new RegExp(`^${pattern}$`).test(given);
}
