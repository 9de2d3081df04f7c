import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../references/store/package-root.js';
import { billedPromptTokens } from '../targets/billed-tokens.js';
import { shownTarget } from '../util/secrets/secrets.js';
import { UserError } from '../util/errors.js';
import { sha256Hex } from '../util/hash.js';
import { requestRoles } from './request-roles.js';
import { RUN_FILES } from './run-dir.js';
import { checkReportConfig, checkTranscript, checkVerdict } from './run-files.js';
import type { DigestState, RecordedRequest, RunReport, RunSettings } from './run-report.js';
import type { JsonObject, ParsedJson } from '../util/parsed-json.js';

export const CHANNELS = {
  usage: 'billed prompt tokens',
  cached: 'cached-token counts',
  chunks: 'streamed chunks',
  logprobs: 'logprob tokens',
} as const;

interface Line {
  n: number;
  entry: JsonObject;
}

/**
 * Whole JSON lines with their 1-based numbers; a last line cut off mid-write is left out. Any other line
 * that is not JSON was changed after the fact: refused, as rescore and --resume do.
 */
function jsonLines(path: string): { lines: Line[]; bytes: Buffer } {
  if (!existsSync(path)) return { lines: [], bytes: Buffer.alloc(0) };
  const bytes = readFileSync(path);
  const text = bytes.toString('utf8');
  const raws = text.split('\n');
  const torn = raws.findLastIndex((raw) => raw.trim() !== '');
  const lines: Line[] = [];
  raws.forEach((raw, i) => {
    if (!raw.trim()) return;
    try {
      lines.push({ n: i + 1, entry: JSON.parse(raw) });
    } catch {
      if (i !== torn)
        throw new UserError(`${path}: line ${i + 1} is not JSON; the run's files were changed or damaged`);
    }
  });
  return { lines, bytes };
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new UserError(`cannot read ${path} (${code === 'EISDIR' ? 'it is a directory' : (error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`${path}: ${what} is not valid JSON`);
  }
}

function digestOf(lines: Line[], bytes: Buffer): DigestState {
  const last = lines.at(-1);
  if (last?.entry.kind !== 'digest') return { state: 'none' };
  const text = bytes.toString('utf8');
  let start = 0;
  for (let n = 1; n < last.n; n++) start = text.indexOf('\n', start) + 1;
  const body = bytes.subarray(0, Buffer.byteLength(text.slice(0, start)));
  return { state: sha256Hex(body) === last.entry.sha256 ? 'sealed' : 'mismatch', sha256: last.entry.sha256 };
}

function messageChars(request: ParsedJson): number {
  const messages: { content?: unknown }[] = request?.messages ?? [];
  return messages.reduce((sum, m) => sum + (typeof m.content === 'string' ? m.content.length : 0), 0);
}

function channelsOf(response: JsonObject): string[] {
  const channels: string[] = [];
  if (typeof response.usage?.promptTokens === 'number') channels.push(CHANNELS.usage);
  if (typeof response.usage?.cachedTokens === 'number') channels.push(CHANNELS.cached);
  if (Array.isArray(response.chunks) && response.chunks.length) channels.push(CHANNELS.chunks);
  if (Array.isArray(response.logprobTokens) && response.logprobTokens.length) channels.push(CHANNELS.logprobs);
  return channels;
}

/** Pairs each request with what it was sent for: its observation, the request it follows, or the frame check. */
function pairObservations(
  requests: RecordedRequest[],
  sent: ReadonlyMap<number, { followUpOf?: unknown; fresh?: unknown; repeatOf?: unknown; recount?: unknown }>,
  observed: ReadonlyMap<number, { stratum?: string; probes: number }>,
): void {
  const roles = requestRoles(requests.map((r) => sent.get(r.seq) ?? {}));
  const seqOfCount = new Map<number, number>();
  requests.forEach((request, i) => {
    const role = roles[i];
    if (role.kind === 'frame-check') request.frameCheck = true;
    if (role.kind === 'stray-check' && seqOfCount.has(role.of)) request.strayCheckOf = seqOfCount.get(role.of);
    if (role.kind === 'follow-up' && seqOfCount.has(role.of)) request.followUpOf = seqOfCount.get(role.of);
    if (role.kind !== 'count') return;
    seqOfCount.set(role.observation, request.seq);
    const o = observed.get(role.observation);
    if (o)
      Object.assign(request, {
        stratum: o.stratum ?? (o.probes === 0 ? 'frame' : undefined),
        probes: o.probes,
        observation: role.observation,
      });
  });
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** What a report's audit header and its command to reproduce read of the config; a field of the wrong type is left out. */
function recordedAuditFacts(config: JsonObject): Partial<RunSettings> {
  const index = config.index;
  return {
    ...(isText(config.operator) && { operator: config.operator }),
    ...(isText(config.tokprint) && { tokprint: config.tokprint }),
    ...(index &&
      isText(index.sha256) && {
        index: {
          sha256: index.sha256,
          ...(typeof index.schema === 'number' && { schema: index.schema }),
          ...(isText(index.signaturesSha256) && { signaturesSha256: index.signaturesSha256 }),
        },
      }),
    // channels found on the first answer are found again by a run that names none; none recorded is counts alone
    ...(config.discover !== true && {
      channels: Array.isArray(config.channels) && config.channels.every(isText) ? config.channels : ['usage'],
    }),
    ...(isText(config.engine) && { engine: config.engine }),
    ...(/^[A-Z_][A-Z0-9_]*$/.test(config.server?.variable ?? '') &&
      isText(config.server.url) && {
        server: { variable: config.server.variable, url: shownTarget(config.server.url) },
      }),
    ...(Array.isArray(config.files) &&
      config.files.every((f: JsonObject) => isText(f?.name) && isText(f?.sha256)) && {
        files: config.files.map((f: JsonObject) => ({ name: f.name, sha256: f.sha256 })),
      }),
    ...(config.http && typeof config.http === 'object' && !Array.isArray(config.http) && { http: config.http }),
  };
}

/**
 * Reads a run directory into what every report renders. Takes both transcript shapes: bare
 * request/response/error lines, and a record that opens with the config, holds observations and
 * wire entries, and closes with a digest. A request sent again after a resume counts once, at its last lines.
 */
export function readRun(dirArg: string, tool: RunReport['tool']): RunReport {
  const dir = resolve(dirArg);
  if (!existsSync(dir)) throw new UserError(`cannot report on ${dir}: no such directory`);
  if (!statSync(dir).isDirectory())
    throw new UserError(
      `cannot report on ${dir}: it is a file, not a run directory (give the directory identify wrote)`,
    );
  const verdictPath = join(dir, RUN_FILES.verdict);
  const verdictJson = readJson(verdictPath, 'the verdict');
  if (verdictJson === undefined) {
    const hint = existsSync(join(dir, RUN_FILES.transcript))
      ? 'it has no verdict yet (the run did not finish)'
      : 'it is not a tokprint run directory';
    throw new UserError(`cannot report on ${dir}: ${hint}`);
  }
  const verdict = checkVerdict(verdictJson, verdictPath);
  const transcriptPath = join(dir, RUN_FILES.transcript);
  const { lines, bytes } = jsonLines(transcriptPath);
  checkTranscript(
    lines.map((l) => l.entry),
    transcriptPath,
    (i) => lines[i].n,
  );
  const configLine = lines.find((l) => l.entry.kind === 'config')?.entry.config;
  const configPath = join(dir, RUN_FILES.config);
  const configJson = readJson(configPath, 'the config');
  const config: JsonObject =
    configJson !== undefined
      ? checkReportConfig(configJson, configPath)
      : configLine !== undefined
        ? checkReportConfig(configLine, transcriptPath)
        : {};
  // a budget raised when the run was resumed is the budget it ran with
  const raised = lines.findLast((l) => l.entry.kind === 'resumed' && l.entry.budget)?.entry.budget;
  const settings: RunSettings = {
    // as identify records it, credentials redacted, even in a config written or edited by hand
    target: shownTarget(config.target ?? verdict.target),
    description: config.description ?? '',
    budget: raised ?? config.budget ?? { maxQueries: 0, maxPromptTokens: 0 },
    seed: config.seed ?? 0,
    probes: config.probes,
    references: config.references,
    method:
      config.method === 'white-box' || (verdict as { method?: unknown }).method === 'white-box'
        ? 'white-box'
        : 'requests',
    ...recordedAuditFacts(config),
  };

  const bySeq = new Map<number, RecordedRequest>();
  const channels = new Set<string>();
  const servedModels = new Set<string>();
  let httpAttempts = 0;
  let resumed = 0;
  const observed = new Map<number, { stratum?: string; probes: number }>();
  const sent = new Map<number, { followUpOf?: unknown; fresh?: unknown; repeatOf?: unknown; recount?: unknown }>();
  const requestFor = (seq: number): RecordedRequest => {
    if (!bySeq.has(seq)) bySeq.set(seq, { seq, lines: {}, chars: 0, channels: [] });
    return bySeq.get(seq)!;
  };
  for (const { n, entry } of lines) {
    switch (entry.kind) {
      case 'request':
        sent.set(entry.seq, entry.request ?? {});
        bySeq.set(entry.seq, {
          seq: entry.seq,
          lines: { request: n },
          at: entry.at,
          chars: messageChars(entry.request),
          channels: [],
        });
        break;
      case 'response': {
        const request = requestFor(entry.seq);
        request.lines.response = n;
        request.promptTokens = entry.usage?.promptTokens;
        request.completionTokens = entry.usage?.completionTokens;
        request.cachedTokens = entry.usage?.cachedTokens;
        request.latencyMs = entry.latencyMs;
        request.channels = channelsOf(entry);
        if (typeof entry.metadata?.model === 'string' && entry.metadata.model) servedModels.add(entry.metadata.model);
        for (const c of request.channels) channels.add(c);
        break;
      }
      case 'error': {
        const request = requestFor(entry.seq);
        request.lines.error = n;
        request.error = entry.message;
        break;
      }
      case 'observation':
        observed.set(entry.seq, { stratum: entry.stratum, probes: entry.probes?.length ?? 0 });
        break;
      case 'resumed':
        resumed++;
        break;
      case 'http-request':
        httpAttempts++;
        break;
    }
  }
  if (!observed.size) {
    for (const { entry } of jsonLines(join(dir, RUN_FILES.observations)).lines)
      observed.set(entry.seq, { stratum: entry.stratum, probes: entry.probes?.length ?? 0 });
  }
  const requests = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  pairObservations(requests, sent, observed);
  // every request answered, billed or not (an API may report no usage)
  const answered = requests.filter((r) => r.lines.response !== undefined);
  const times = lines
    .map((l) => l.entry.at)
    .filter((at): at is string => typeof at === 'string')
    .sort();
  return {
    dir,
    tool,
    settings,
    verdict,
    requests,
    transcript: { lines: lines.length, digest: digestOf(lines, bytes), resumed },
    spent: {
      requests: answered.length,
      promptTokens: billedPromptTokens(answered.map((r) => r.promptTokens)),
      completionTokens: answered.reduce((sum, r) => sum + (r.completionTokens ?? 0), 0),
      httpAttempts,
    },
    channels: [...channels],
    servedModels: [...servedModels],
    started: times[0] ?? (isText(config.at) ? config.at : undefined),
    // a white-box run has no transcript: its config says when it ran
    finished: times.at(-1) ?? (isText(config.at) ? config.at : undefined),
  };
}

/** This tool's name and version, as a run's report names them. */
export function toolInfo(): RunReport['tool'] {
  const { name, version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
  return { name, version };
}

/** A sealed run's record as reports read it. */
export function readRunReport(dir: string): RunReport {
  return readRun(dir, toolInfo());
}
