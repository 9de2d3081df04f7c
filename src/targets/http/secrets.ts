import { createHmac } from 'node:crypto';
import { REDACTED } from './redact.js';

/** Query parameter names that carry a credential (Gemini's `key`, Azure's `api-key`, signed URLs' `sig`...), compared case-insensitively. */
export const SECRET_QUERY_PARAMS = ['key', 'api-key', 'api_key', 'apikey', 'token', 'access_token', 'sig', 'signature', 'code'] as const;

/** Shorter secrets are not scrubbed from text by value: replacing every "ab" would shred the record. */
export const MIN_SCRUBBED_LENGTH = 4;

export function isSecretParam(name: string): boolean {
  return (SECRET_QUERY_PARAMS as readonly string[]).includes(name.toLowerCase());
}

/** The values of a URL's credential parameters, empty ones left out. */
export function secretQueryValues(url: URL): string[] {
  return [...url.searchParams].flatMap(([name, value]) => (isSecretParam(name) && value ? [value] : []));
}

// `[?&]name=value` inside any text: a target id's `?settings`, a URL, a URL inside an error message
const SECRET_PARAM = new RegExp(`([?&](?:${SECRET_QUERY_PARAMS.map((n) => n.replace(/[-_]/g, '[-_]')).join('|')})=)([^&#\\s"']*)`, 'gi');
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/?#@\s"']*@/gi;

/**
 * Text with every credential parameter's value and every URL's userinfo replaced by `[redacted]`, by
 * their place rather than their value, so even a secret too short to scrub by value never shows.
 */
export function redactUrlText(text: string): string {
  return text.replace(USERINFO, `$1${REDACTED}@`).replace(SECRET_PARAM, (_, head: string, value: string) => (value ? `${head}${REDACTED}` : head));
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
    .replace(/[?&]+$/, '');
}

/** Every form in which a server could echo a secret back: as sent, JSON-escaped (with or without `\/`), URL-encoded, form-encoded. */
function encodedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [secret, json, json.replace(/\//g, '\\/'), encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)];
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
  private readonly forms: string[];

  constructor(readonly secrets: readonly string[]) {
    const forms = new Set<string>();
    for (const secret of secrets) if (secret.length >= MIN_SCRUBBED_LENGTH) for (const form of encodedForms(secret)) forms.add(form);
    this.forms = [...forms].sort((a, b) => b.length - a.length);
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
    let out = text;
    for (const form of this.forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  }

  /** A URL, header value or message line: secrets by value, and credential parameters and userinfo by place. */
  line(text: string): string {
    return redactUrlText(this.text(text));
  }

  /** Every string inside a JSON-like value, keys included, through `text`. */
  value<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.value(item)) as T;
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.text(k), this.value(v)])) as T;
    return value;
  }

  headers(headers: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, this.line(value)]));
  }

  /**
   * A keyed hash of the credentials, so cached answers are kept per key without the cache revealing it;
   * `none` when the target has no credentials.
   */
  credentialTag(): string {
    if (!this.secrets.length) return 'none';
    return createHmac('sha256', this.secrets.join('\n')).update('tokprint http answer cache').digest('hex');
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A shown target whose credentials were redacted, so they must be given again to send anything. */
export function withholdsCredentials(shown: string): boolean {
  return shown !== targetForName(shown) && shown.includes(REDACTED);
}
