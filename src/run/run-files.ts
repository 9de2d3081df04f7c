import type { RecordEntry, RunConfig } from './run-record.js';
import type { VerdictRecord } from './run-report.js';
import { UserError } from '../util/errors.js';

/*
 * The shapes of a run directory's files, checked where they are read (report, rescore, --resume), so a
 * hand-edited or damaged file is one line naming the file and the field, never a crash further on.
 * Checked by hand: the fields are few, and a schema library would be a runtime dependency for this alone.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return typeof value === 'object' ? 'an object' : String(value);
}

function damaged(where: string, what: string): UserError {
  return new UserError(`${where}: ${what}; the run's files were changed or damaged`);
}

/** The config an identify run records (config.json and the transcript's first line). */
export function checkRunConfig(value: unknown, where: string): RunConfig {
  if (!isObject(value)) throw damaged(where, `the config is ${describe(value)}, not an object`);
  if (typeof value.target !== 'string' || !value.target)
    throw damaged(where, `the config's target is ${describe(value.target)}, not a target name`);
  const budget = value.budget;
  if (!isObject(budget) || !isCount(budget.maxQueries) || !isCount(budget.maxPromptTokens)) {
    throw damaged(where, 'the config has no budget with whole-number maxQueries and maxPromptTokens');
  }
  if (budget.noiseQueries !== undefined && !isCount(budget.noiseQueries))
    throw damaged(where, `the config's budget has noiseQueries ${describe(budget.noiseQueries)}, not a whole number`);
  if (!isCount(value.seed)) throw damaged(where, `the config's seed is ${describe(value.seed)}, not a whole number`);
  if (value.http !== undefined && !isObject(value.http))
    throw damaged(where, `the config's http options are ${describe(value.http)}, not an object`);
  for (const [name, option] of Object.entries(value.http ?? {})) {
    if (!['string', 'number', 'boolean'].includes(typeof option))
      throw damaged(where, `the config's http option ${name} is ${describe(option)}`);
  }
  if (value.channels !== undefined && !isStrings(value.channels))
    throw damaged(where, "the config's channels are not a list of names");
  if (value.engine !== undefined && typeof value.engine !== 'string')
    throw damaged(where, `the config's engine is ${describe(value.engine)}`);
  for (const field of ['probes', 'references'] as const) {
    if (value[field] !== undefined && !isCount(value[field]))
      throw damaged(where, `the config's ${field} is ${describe(value[field])}, not a count`);
  }
  if (value.description !== undefined && typeof value.description !== 'string')
    throw damaged(where, "the config's description is not text");
  return value as unknown as RunConfig;
}

/** config.json as a report reads it: an identify run's config, or the short one a white-box run writes. */
export function checkReportConfig(value: unknown, where: string): Partial<RunConfig> {
  if (isObject(value) && value.method === 'white-box') {
    if (typeof value.target !== 'string' || !value.target)
      throw damaged(where, `the config's target is ${describe(value.target)}, not a target name`);
    return value as Partial<RunConfig>;
  }
  return checkRunConfig(value, where);
}

/** verdict.json: the fields every report and rescore use. A white-box verdict has no evidence and gets none. */
export function checkVerdict(value: unknown, where: string): VerdictRecord {
  if (!isObject(value)) throw damaged(where, `the verdict is ${describe(value)}, not an object`);
  const verdict = value.verdict;
  if (!isObject(verdict)) throw damaged(where, 'it has no verdict object');
  if (typeof verdict.status !== 'string' || !verdict.status)
    throw damaged(where, `the verdict's status is ${describe(verdict.status)}`);
  if (!isStrings(verdict.class)) throw damaged(where, "the verdict's class is not a list of reference ids");
  if (typeof verdict.confidence !== 'number' || !Number.isFinite(verdict.confidence))
    throw damaged(where, `the verdict's confidence is ${describe(verdict.confidence)}, not a number`);
  if (verdict.flags !== undefined && !isStrings(verdict.flags))
    throw damaged(where, "the verdict's flags are not a list of names");
  if (!Array.isArray(value.candidates) || !value.candidates.every(isObject))
    throw damaged(where, 'its candidates are not a list of objects');
  if (!isCount(value.queries)) throw damaged(where, `its queries is ${describe(value.queries)}, not a count`);
  if (typeof value.target !== 'string')
    throw damaged(where, `its target is ${describe(value.target)}, not a target name`);
  for (const field of ['evidence', 'hypotheses', 'strongestProbes'] as const) {
    if (value[field] !== undefined && (!Array.isArray(value[field]) || !(value[field] as unknown[]).every(isObject)))
      throw damaged(where, `its ${field} is not a list of objects`);
  }
  // what the renderers read of each entry: a hand-edited one would otherwise crash them (exit 70)
  (value.hypotheses as Json[] | undefined)?.forEach((h, i) => {
    if (typeof h.reference !== 'string' || !isStrings(h.class) || typeof h.posterior !== 'number')
      throw damaged(where, `its hypothesis ${i + 1} lacks a reference, a list of class members or a posterior`);
  });
  (value.strongestProbes as Json[] | undefined)?.forEach((p, i) => {
    if (typeof p.text !== 'string' || !Array.isArray(p.splits) || !p.splits.every(isObject))
      throw damaged(where, `its strongest probe ${i + 1} lacks its text or a list of splits`);
  });
  if (value.unknown !== undefined && typeof value.unknown !== 'number')
    throw damaged(where, `its unknown is ${describe(value.unknown)}, not a number`);
  if (value.stop !== undefined && typeof value.stop !== 'string')
    throw damaged(where, `its stop is ${describe(value.stop)}`);
  return { evidence: [], ...value } as unknown as VerdictRecord;
}

const SEQUENCED = new Set(['request', 'response', 'error', 'observation']);

/**
 * A follow-up names the count request it follows by that request's observation number, so it can only name
 * one sent before it; any other value would silently drop the request from the evidence tables and the replay.
 */
function checkFollowUp(request: unknown, counted: Set<number>, seq: number, refuse: (what: string) => UserError): void {
  const followUpOf = isObject(request) ? request.followUpOf : undefined;
  if (followUpOf === undefined) {
    counted.add(seq);
    return;
  }
  if (!isCount(followUpOf) || followUpOf < 1 || followUpOf > counted.size)
    throw refuse(`follows up observation ${describe(followUpOf)}, which no earlier request made`);
}

/**
 * A transcript's entries: each an object with a kind, each request, answer and observation with its
 * number; a digest only last or right before a resume, and no request answered twice or sent again after its answer (what two
 * processes continuing one run at once leave behind). A request sent again after a kill, before any
 * answer to it, is a normal resume.
 */
export function checkTranscript(
  entries: readonly unknown[],
  where: string,
  lineOf: (index: number) => number = (index) => index + 1,
): RecordEntry[] {
  const answered = new Set<number>();
  /** The count requests sent so far (a follow-up names one of them by its observation number, from 1). */
  const counted = new Set<number>();
  entries.forEach((entry, i) => {
    const line = `line ${lineOf(i)}`;
    if (!isObject(entry) || typeof entry.kind !== 'string') throw damaged(where, `${line} is not a transcript entry`);
    if (SEQUENCED.has(entry.kind) && !(isCount(entry.seq) && entry.seq >= 1))
      throw damaged(where, `${line} (${entry.kind}) has no request number`);
    switch (entry.kind) {
      case 'config':
        if (i !== 0) throw damaged(where, `${line} is a second config`);
        break;
      case 'request':
        if (answered.has(entry.seq as number))
          throw damaged(
            where,
            `request ${entry.seq} was sent again after its answer (${line}): two processes continued this run at once`,
          );
        checkFollowUp(entry.request, counted, entry.seq as number, (what) =>
          damaged(where, `${line} (request) ${what}`),
        );
        break;
      case 'response':
        if (answered.has(entry.seq as number))
          throw damaged(
            where,
            `request ${entry.seq} has two answers (${line}): two processes continued this run at once`,
          );
        answered.add(entry.seq as number);
        break;
      case 'observation':
        if (!isStrings(entry.probes) || typeof entry.promptTokens !== 'number' || !Number.isFinite(entry.promptTokens))
          throw damaged(where, `${line} (observation) has no probes or prompt-token count`);
        break;
      case 'resumed':
        if (
          entry.budget !== undefined &&
          !(isObject(entry.budget) && isCount(entry.budget.maxQueries) && isCount(entry.budget.maxPromptTokens))
        ) {
          throw damaged(where, `${line} (resumed) has a budget without whole-number maxQueries and maxPromptTokens`);
        }
        break;
      case 'digest':
        // a digest closes the run, or seals an inconclusive run that a raised budget then took further
        if (i < entries.length - 1 && (entries[i + 1] as { kind?: unknown } | undefined)?.kind !== 'resumed')
          throw damaged(where, `${line} is a digest that more of the run follows: two processes finished this run`);
        break;
    }
  });
  return entries as RecordEntry[];
}
