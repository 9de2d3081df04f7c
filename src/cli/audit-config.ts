import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isNode, isPair, isScalar, LineCounter, type Document, parseDocument } from 'yaml';
import { packageRoot } from '../references/store/package-root.js';
import type { ReportFormatName } from '../report/report-formats.js';
import type { Expectation } from '../run/audit-expect.js';
import { CHANNEL_NAMES, parseChannels } from '../scoring/channels/registry.js';
import type { Budget } from '../scoring/identify.js';
import type { VerdictStatus } from '../scoring/verdict.js';
import { budgetFrom } from '../scoring/identify.js';
import { shownTarget } from '../util/secrets/secrets.js';
import { UserError } from '../util/errors.js';
import { MiB, readUserFile } from '../util/user-file.js';

/** Where the config's JSON Schema is shipped, for editors (`# yaml-language-server: $schema=…`) and for checking. */
export function auditSchemaPath(): string {
  return join(packageRoot(), 'schema', 'audit.schema.json');
}

const MAX_CONFIG_BYTES = 4 * MiB;

/** How to reach an API, as promptfoo's provider `config` spells it; the rest as identify's flags would give it. */
export interface AuditApiConfig {
  apiBaseUrl?: string;
  apiKeyEnv?: string;
  model?: string;
  retries?: number;
  timeout?: number;
  concurrency?: number;
  rate?: number;
  caFile?: string;
  cache?: string;
  stream?: boolean;
  logprobs?: number;
  maxResponseBytes?: number;
  maxStreamEvents?: number;
  detectTokenize?: boolean;
}

interface RunOptions {
  maxQueries?: number;
  maxPromptTokens?: number;
  noiseQueries?: number;
  seed?: number;
  channels?: string | string[];
  engine?: 'js' | 'exact';
  config?: AuditApiConfig;
}

interface RawTarget extends RunOptions {
  id: string;
  label?: string;
  expect?: {
    family?: string | string[];
    not?: { family: string | string[] };
    status?: VerdictStatus | VerdictStatus[];
  };
}

interface RawConfig {
  description?: string;
  concurrency?: number;
  perHost?: number;
  report?: ReportFormatName[];
  defaults?: RunOptions;
  targets: RawTarget[];
}

/** One target of an audit, with the defaults applied, and where it stands in the file (for later errors). */
export interface AuditTargetConfig {
  id: string;
  label: string;
  budget: Budget;
  seed: number;
  channels?: string;
  engine?: 'js' | 'exact';
  config: AuditApiConfig;
  expect?: Expectation;
  /** `file:line:column` of the target in the config. */
  at: string;
  /** Places of single settings, for errors found once the target is built (an unset `apiKeyEnv`...). */
  places: { apiKeyEnv?: string; apiBaseUrl?: string; family?: string; notFamily?: string; id: string };
}

export interface AuditConfig {
  description?: string;
  concurrency: number;
  perHost: number;
  reports: ReportFormatName[];
  targets: AuditTargetConfig[];
}

const list = <T>(value: T | T[] | undefined): T[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

let validator: ReturnType<Ajv['compile']> | undefined;

function validate(data: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(auditSchemaPath(), 'utf8')));
  return validator(data) ? [] : (validator.errors ?? []);
}

/** `targets[1].expect.family` from `/targets/1/expect/family`. */
function pathText(segments: readonly (string | number)[]): string {
  return segments.reduce<string>(
    (text, s) => (typeof s === 'number' ? `${text}[${s}]` : text ? `${text}.${s}` : s),
    '',
  );
}

function segmentsOf(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** The most useful of ajv's errors: the deepest, with a `oneOf`'s alternatives told as one message. */
function firstProblem(errors: readonly ErrorObject[]): {
  segments: (string | number)[];
  key?: string;
  message: string;
} {
  const depth = (e: ErrorObject) => segmentsOf(e.instancePath).length + (e.keyword === 'additionalProperties' ? 1 : 0);
  const deepest = [...errors].sort((a, b) => depth(b) - depth(a))[0];
  const segments = segmentsOf(deepest.instancePath);
  const here = errors.filter((e) => e.instancePath === deepest.instancePath);
  const types = [...new Set(here.filter((e) => e.keyword === 'type').map((e) => String(e.params.type)))];
  if (deepest.keyword === 'additionalProperties') {
    const key = String(deepest.params.additionalProperty);
    return { segments, key, message: `unknown key "${key}"` };
  }
  if (deepest.keyword === 'required')
    return { segments, message: `missing "${String(deepest.params.missingProperty)}"` };
  if (deepest.keyword === 'enum')
    return { segments, message: `must be one of ${(deepest.params.allowedValues as unknown[]).join(', ')}` };
  // an empty list matches neither form; saying it is not a string would send the reader the wrong way
  if (here.some((e) => e.keyword === 'minItems'))
    return { segments, message: `must list at least one ${segments.at(-1) === 'family' ? 'family' : 'item'}` };
  if (types.length > 1 || here.some((e) => e.keyword === 'oneOf'))
    return { segments, message: `must be ${types.length ? types.join(' or ') : 'one of the allowed forms'}` };
  if (deepest.keyword === 'pattern' && segments.at(-1) === 'id')
    return { segments, message: 'must be a target id, scheme:rest (e.g. openai:gpt-4o, sim:deepseek-v3)' };
  if (deepest.keyword === 'pattern' && segments.at(-1) === 'apiKeyEnv')
    return { segments, message: 'must name an environment variable (letters, digits, _), never hold the key itself' };
  return { segments, message: deepest.message ?? deepest.keyword };
}

class Positions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
  ) {}

  /** `file:line:column` of the value at `segments` (or of the key named), else of the nearest parent there is. */
  at(segments: readonly (string | number)[], key?: string): string {
    for (let n = segments.length; n >= 0; n--) {
      const node = n ? this.doc.getIn(segments.slice(0, n), true) : this.doc.contents;
      if (!isNode(node)) continue;
      let offset = node.range?.[0] ?? 0;
      if (key !== undefined && n === segments.length && isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
        if (pair && isScalar(pair.key)) offset = pair.key.range?.[0] ?? offset;
      }
      const { line, col } = this.lines.linePos(offset);
      return `${this.file}:${line}:${col}`;
    }
    return `${this.file}:1:1`;
  }
}

/** Throws, at `place`, for a channel name identify does not know; the config key is named, not identify's flag. */
function checkChannels(channels: readonly string[], place: string): void {
  try {
    parseChannels(channels.join(','));
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const bad = channels
      .flatMap((c) => c.split(',').map((n) => n.trim()))
      .filter((n) => n && !CHANNEL_NAMES.includes(n as never));
    throw new UserError(
      `${place}: must list channels among ${CHANNEL_NAMES.join(', ')}${bad.length ? `, not "${bad.join(',')}"` : ''}`,
    );
  }
}

/**
 * Reads and checks an audit config: YAML, then the shipped JSON Schema. Every problem is one line naming the
 * file, line and column, exit 2.
 */
export function readAuditConfig(path: string, cwd: string): AuditConfig {
  const full = resolve(cwd, path);
  const shown = relative(cwd, full) || path;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(
    readUserFile(full, MAX_CONFIG_BYTES, 'an audit config'),
  );
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const { line, col } = lines.linePos(yamlError.pos[0]);
    throw new UserError(`${shown}:${line}:${col}: not valid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const positions = new Positions(doc, lines, shown);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // aliases that would expand without bound (a "billion laughs" file)
    throw new UserError(`${shown}: not a usable config: ${(error as Error).message}`);
  }
  if (data === null || data === undefined) throw new UserError(`${shown}: the config is empty; it needs targets:`);
  const errors = validate(data);
  if (errors.length) {
    const { segments, key, message } = firstProblem(errors);
    const where = pathText(segments);
    throw new UserError(`${positions.at(segments, key)}: ${where ? `${where}: ` : ''}${message}`);
  }
  const raw = data as RawConfig;
  const defaults = raw.defaults ?? {};
  return {
    ...(raw.description !== undefined && { description: raw.description }),
    concurrency: raw.concurrency ?? 2,
    perHost: raw.perHost ?? 1,
    reports: raw.report ?? ['html', 'json'],
    targets: raw.targets.map((t, i) => {
      const family = list(t.expect?.family);
      const notFamily = list(t.expect?.not?.family);
      const status = list(t.expect?.status);
      const channels = list(t.channels ?? defaults.channels);
      if (channels) {
        const where: (string | number)[] =
          t.channels !== undefined ? ['targets', i, 'channels'] : ['defaults', 'channels'];
        checkChannels(channels, `${positions.at(where)}: ${pathText(where)}`);
      }
      const config = { ...defaults.config, ...t.config };
      const place = (...rest: (string | number)[]) => positions.at(['targets', i, ...rest]);
      const configPlace = (key: string) =>
        t.config?.[key as keyof AuditApiConfig] !== undefined
          ? place('config', key)
          : positions.at(['defaults', 'config', key]);
      return {
        id: t.id,
        // an id may hold credentials in its URL: every output names the target as shown, redacted
        label: t.label ?? shownTarget(t.id),
        budget: budgetFrom({
          maxQueries: t.maxQueries ?? defaults.maxQueries,
          maxPromptTokens: t.maxPromptTokens ?? defaults.maxPromptTokens,
          noiseQueries: t.noiseQueries ?? defaults.noiseQueries,
        }),
        seed: t.seed ?? defaults.seed ?? 1,
        ...(channels && { channels: channels.join(',') }),
        ...((t.engine ?? defaults.engine) && { engine: t.engine ?? defaults.engine }),
        config,
        ...(t.expect && {
          expect: {
            ...(family && { family }),
            ...(notFamily && { not: { family: notFamily } }),
            ...(status && { status }),
          },
        }),
        at: place(),
        places: {
          id: place('id'),
          apiKeyEnv: configPlace('apiKeyEnv'),
          apiBaseUrl: configPlace('apiBaseUrl'),
          family: place('expect', 'family'),
          notFamily: place('expect', 'not', 'family'),
        },
      };
    }),
  };
}
