import { shownTarget } from '../util/secrets/secrets.js';
import type { RunReport } from '../run/run-report.js';

/** Each recorded HTTP option as the identify flag that sets it; keys are never recorded, only their variable's name. */
const HTTP_FLAGS: Record<string, (value: unknown) => string[]> = {
  model: (v) => ['--model', String(v)],
  apiKeyEnv: (v) => ['--api-key-env', String(v)],
  retries: (v) => ['--retries', String(v)],
  timeoutMs: (v) => ['--timeout', String(Number(v) / 1000)],
  concurrency: (v) => ['--concurrency', String(v)],
  requestsPerSecond: (v) => ['--rate', String(v)],
  caFile: (v) => ['--ca-file', String(v)],
  cacheTtlMs: (v) => ['--cache', `${Math.round(Number(v) / 1000)}s`],
  stream: (v) => (v === true ? ['--stream'] : []),
  topLogprobs: (v) => ['--logprobs', String(v)],
  maxResponseBytes: (v) => ['--max-response-bytes', String(v)],
  maxStreamEvents: (v) => ['--max-stream-events', String(v)],
  detectTokenize: (v) => (v === false ? ['--no-detect-tokenize'] : []),
};

/** A word as a POSIX shell reads it back unchanged: bare when safe, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that runs the same audit again: the recorded target (credentials redacted, as recorded),
 * budget, seed, channels and HTTP options. An API key is named by its variable, never given.
 */
export function reproduceCommand(report: RunReport): string {
  const s = report.settings;
  // a model id's server as the run found it, so the command asks the same one whatever the shell has set
  const server = s.server ? [`${s.server.variable}=${shellWord(s.server.url)}`] : [];
  const words = ['tokprint', 'identify', shownTarget(s.target)];
  if (s.method !== 'white-box') {
    words.push('--max-queries', String(s.budget.maxQueries), '--max-prompt-tokens', String(s.budget.maxPromptTokens));
    // a run recorded before the limit under noise existed ran with --max-queries there
    words.push('--noise-queries', String(s.budget.noiseQueries ?? s.budget.maxQueries));
    words.push('--seed', String(s.seed));
    if (s.channels?.length) words.push('--channels', s.channels.join(','));
    if (s.engine) words.push('--engine', s.engine);
    for (const [name, value] of Object.entries(s.http ?? {})) words.push(...(HTTP_FLAGS[name]?.(value) ?? []));
  }
  if (s.operator) words.push('--operator', s.operator);
  return [...server, ...words.map(shellWord)].join(' ');
}
