import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { renderAuditJunit } from '../../report/audit-junit.js';
import { refuseIrregularOutput } from '../../util/user-file.js';
import { OUTCOME_WORDS } from '../../report/audit-rows.js';
import { renderAuditHtml, renderAuditMarkdown } from '../../report/audit-summary.js';
import { renderAuditTable } from '../../report/audit-table.js';
import { writeRunReports } from '../run-reports.js';
import { revealInvisible } from '../../report/visible-text.js';
import { useColor } from '../../report/terminal-style.js';
import { type AuditTarget, runAudit } from '../../run/audit-run.js';
import { openWorkspace, type Workspace } from '../../run/workspace.js';
import { requireEntry } from '../../references/catalog.js';
import { parseHfSpec } from '../../references/local-source.js';
import { checkTargetId } from '../../targets/check-target-id.js';
import { TARGET_SCHEMES } from '../../targets/create-target.js';
import { httpScheme } from '../../targets/http/protocols.js';
import { shownTarget } from '../../util/secrets/secrets.js';
import { ensureWritableDir } from '../../util/writable-dir.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { isUserError, UserError } from '../../util/errors.js';
import { acquireLock, type HeldLock } from '../../util/file-lock.js';
import { type AuditTargetConfig, readAuditConfig } from '../audit-config.js';
import { enabledChannels } from '../channel-options.js';
import { httpOptionsFromFlags } from '../http-flags.js';
import type { CliIo } from '../io.js';

export interface AuditOptions {
  json?: boolean;
  junit?: string;
  out?: string;
  quiet?: boolean;
}

/** The summaries an audit leaves in --out beside the runs, for CI artefacts. */
export const AUDIT_FILES = { html: 'audit.html', md: 'audit.md', json: 'audit.json' } as const;

const isUrl = (text: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(text);

function hostOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).host : undefined;
  } catch {
    return undefined;
  }
}

/** Why an apiBaseUrl cannot be a server's base URL (credentials redacted), or undefined. */
function baseUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${shownTarget(url)}" is not a URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http or https URL';
  if (parsed.username || parsed.password)
    return 'must not hold credentials: put the key in an environment variable named by apiKeyEnv';
  return undefined;
}

/**
 * A `tokenizer:` target's files as the run will read them: a path relative to the config's folder made absolute
 * (the run itself reads from the working directory), checked to exist; a hub source is left to the run.
 */
function tokenizerPath(rest: string, configDir: string): string {
  if (!rest || parseHfSpec(rest)) return rest;
  const path = resolve(configDir, rest);
  if (!existsSync(path))
    throw new UserError(
      `tokenizer:${rest}: no tokenizer file or model directory at ${path} (read from the config's folder)`,
    );
  return path;
}

/** An `http:` target's spec file, read from the config's folder like every file a config names; its settings kept. */
function specPath(rest: string, configDir: string): string {
  if (!rest || isUrl(rest)) return rest;
  const query = rest.indexOf('?');
  const file = query < 0 ? rest : rest.slice(0, query);
  return resolve(configDir, file) + (query < 0 ? '' : rest.slice(query));
}

/** A UserError found while preparing a target, told at the place in the config that caused it. */
function at<T>(place: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (isUserError(error)) throw new UserError(`${place}: ${error.message}`, { exitCode: error.exitCode });
    throw error;
  }
}

/** One config target as an identify request, checked before anything is sent to any target. */
async function prepare(
  io: CliIo,
  workspace: Workspace,
  t: AuditTargetConfig,
  index: number,
  out: string,
  /** The folder of the config file, from which its relative paths are read. */
  configDir: string,
): Promise<AuditTarget> {
  const colon = t.id.indexOf(':');
  const scheme = t.id.slice(0, colon);
  let rest = t.id.slice(colon + 1);
  if (!(TARGET_SCHEMES as readonly string[]).includes(scheme))
    throw new UserError(`${t.places.id}: unknown scheme "${scheme}:"; expected ${TARGET_SCHEMES.join(', ')}`);
  const http = httpScheme(scheme);
  const { apiBaseUrl, apiKeyEnv } = t.config;
  if (apiKeyEnv && !io.env[apiKeyEnv])
    throw new UserError(`${t.places.apiKeyEnv}: apiKeyEnv ${apiKeyEnv}: that environment variable is not set`);
  let env: NodeJS.ProcessEnv | undefined;
  if (apiBaseUrl) {
    if (!http) throw new UserError(`${t.places.apiBaseUrl}: apiBaseUrl is for API targets, not ${scheme}:`);
    // told here, at its own line: set for the target as the SDK's variable, it would be blamed on that variable
    const problem = baseUrlProblem(apiBaseUrl);
    if (problem) throw new UserError(`${t.places.apiBaseUrl}: apiBaseUrl ${problem}`);
    if (isUrl(rest))
      throw new UserError(`${t.places.apiBaseUrl}: ${shownTarget(t.id)} names its server already; give it once`);
    // a model id takes its server from the SDK's variable, set for this target alone; a bare scheme takes the URL
    if (http.baseUrlEnv && rest && !rest.startsWith('?')) env = { [http.baseUrlEnv]: apiBaseUrl };
    else rest = `${apiBaseUrl}${rest}`;
  }
  // a tokenizer file is named as promptfoo names file refs: from the config's folder, and it must be there now
  if (scheme === 'tokenizer') rest = at(t.places.id, () => tokenizerPath(rest, configDir));
  if (scheme === 'http') rest = specPath(rest, configDir);
  const id = `${scheme}:${rest}`;
  const known = new Set(workspace.catalog.entries.flatMap(({ entry }) => [entry.id, entry.family]));
  for (const [names, place] of [
    [t.expect?.family, t.places.family],
    [t.expect?.not?.family, t.places.notFamily],
  ] as const) {
    const unknown = names?.find((name) => !known.has(name));
    if (unknown)
      throw new UserError(
        `${place}: "${unknown}" is neither an indexed family nor a reference id (see tokprint refs list)`,
      );
  }
  const c = t.config;
  const text = (n: number | undefined) => (n === undefined ? undefined : String(n));
  const options = at(t.at, () =>
    httpOptionsFromFlags({
      model: c.model,
      apiKeyEnv,
      retries: text(c.retries),
      timeout: text(c.timeout),
      concurrency: text(c.concurrency),
      rate: text(c.rate),
      caFile: c.caFile === undefined ? undefined : resolve(configDir, c.caFile),
      cache: c.cache,
      stream: c.stream,
      logprobs: text(c.logprobs),
      maxResponseBytes: text(c.maxResponseBytes),
      maxStreamEvents: text(c.maxStreamEvents),
      detectTokenize: c.detectTokenize,
    }),
  );
  const selected = at(t.at, () =>
    enabledChannels({ channels: t.channels, stream: c.stream, logprobs: c.logprobs !== undefined }),
  );
  // an id the run could not build (an unknown reference, a bad URL) is an error in the config, found before any target runs
  at(t.places.id, () =>
    checkTargetId(id, {
      cwd: io.cwd,
      env: env ? { ...io.env, ...env } : io.env,
      http: options,
      requireReference: (ref) => requireEntry(workspace.catalog, ref),
      settingNames: { model: 'config.model', apiKeyEnv: 'config.apiKeyEnv' },
    }),
  );
  const channels = await workspace.channels(selected.enabled, t.seed, selected.discover);
  const server = http
    ? (hostOf(apiBaseUrl) ?? hostOf(rest.split('?')[0]) ?? hostOf(http.baseUrlEnv && io.env[http.baseUrlEnv]))
    : undefined;
  return {
    label: t.label,
    shown: shownTarget(t.id),
    // local targets (sim:, tokenizer:) share no server; an API's default server is its scheme's
    host: http ? (server ?? scheme) : `local ${index}`,
    ...(env && { env }),
    request: {
      start: { target: id, budget: t.budget, seed: t.seed, http: options, out, ...(t.engine && { engine: t.engine }) },
      dryRun: false,
      channels,
      ...(t.engine && { engine: t.engine }),
    },
    ...(t.expect && { expect: t.expect }),
  };
}

export default async function auditAction(io: CliIo, file: string | undefined, options: AuditOptions): Promise<number> {
  const config = readAuditConfig(file ?? 'tokprint.yaml', io.cwd);
  const workspace = await openWorkspace(io.env);
  const out = resolve(io.cwd, options.out ?? 'tokprint-runs');
  const targets: AuditTarget[] = [];
  const configDir = dirname(resolve(io.cwd, file ?? 'tokprint.yaml'));
  for (const [i, t] of config.targets.entries()) targets.push(await prepare(io, workspace, t, i, out, configDir));
  // every output path is checked before a request is spent on any target
  await ensureWritableDir(out, '--out');
  const junit = options.junit === undefined ? undefined : resolve(io.cwd, options.junit);
  if (junit) {
    if (junit === out) throw new UserError(`--junit ${junit} is a directory; give the path of the file to write`);
    refuseIrregularOutput(junit, '--junit');
    await ensureWritableDir(dirname(junit), '--junit');
  }
  // the summaries are the audit's own: a second audit into the same folder would leave only its targets in them
  const lock = await acquireLock({
    lockPath: join(out, 'audit.lock'),
    busy: `--out ${out} is in use by another tokprint audit; wait until it has finished, or give another --out`,
    waitMs: 0,
  });
  try {
    return await auditInto(io, workspace, config, targets, out, junit, options, lock);
  } finally {
    await lock.release();
  }
}

async function auditInto(
  io: CliIo,
  workspace: Workspace,
  config: ReturnType<typeof readAuditConfig>,
  targets: AuditTarget[],
  out: string,
  junit: string | undefined,
  options: AuditOptions,
  lock: HeldLock,
): Promise<number> {
  const quiet = Boolean(options.quiet);
  let done = 0;
  const result = await runAudit(
    workspace,
    targets,
    {
      cwd: io.cwd,
      concurrency: config.concurrency,
      perHost: config.perHost,
      description: config.description,
      writeReports: async (run) => (await writeRunReports(workspace, run, config.reports)).written,
    },
    (r) => {
      if (!quiet)
        // a failed target's line quotes the server: escape sequences are shown, not acted on, and it stays one line
        io.stderr(
          `tokprint: [${++done}/${targets.length}] ${OUTCOME_WORDS[r.outcome]} ${revealInvisible(`${r.label}: ${r.found}`).replace(/\s*\n\s*/g, ' ')}\n`,
        );
    },
  );
  // a lock taken over while this audit was stalled means another audit now writes these summaries
  lock.assertHeld();
  const written: string[] = [];
  // writeFileAtomic already turns a refused write into one line naming the path
  const write = async (path: string, text: string) => {
    await writeFileAtomic(path, text);
    written.push(path);
  };
  await write(join(out, AUDIT_FILES.json), `${JSON.stringify(result, null, 2)}\n`);
  await write(join(out, AUDIT_FILES.md), renderAuditMarkdown(result, out));
  await write(join(out, AUDIT_FILES.html), renderAuditHtml(result, out));
  if (junit) await write(junit, renderAuditJunit(result));
  if (!quiet) for (const path of written) io.stderr(`tokprint: wrote ${path}\n`);
  io.stdout(
    options.json
      ? `${JSON.stringify(result)}\n`
      : renderAuditTable(result, { color: useColor(io.isTTY?.stdout, io.env) }),
  );
  return result.exitCode;
}
