import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { WireEntry } from '../targets/http/wire-entry.js';
import type { TargetOffers } from '../targets/target.js';
import type { TranscriptEntry } from '../targets/transcript.js';
import type { ExchangeEntry } from '../targets/resumable-target.js';
import { UserError } from '../util/errors.js';
import type { IndexFingerprint } from './index-fingerprint.js';
import { sha256Hex } from '../util/hash.js';
import type { HeldLock } from '../util/file-lock.js';
import { RUN_FILES, writeRunJson } from './run-dir.js';
import { checkRunConfig, checkTranscript, checkVerdict } from './run-files.js';
import type { Budget } from '../scoring/identify.js';
import { spentLimit } from '../scoring/spent-limit.js';
import type { VerdictRecord } from './run-report.js';

/** What a run was asked to do: enough to continue it or re-score it later. Never holds a key. */
export interface RunConfig {
  target: string;
  description: string;
  budget: Budget;
  seed: number;
  /** HTTP target options as given (the key's variable name, never its value). */
  http?: Record<string, unknown>;
  probes: number;
  references: number;
  /** The answer channels read beside the billed counts, so a resume or a rescore reads the same ones. */
  channels?: string[];
  /** The channels were not named: the run reads those of `channels` the target showed it gives on its first answer. */
  discover?: boolean;
  /** The scoring path asked for with --engine, so a resume scores (and so plans) the same way. */
  engine?: string;
  /** Who ran the audit (--operator), for the report's header. */
  operator?: string;
  /** For a target id naming only a model: the variable that chose its server and the URL it stood for. */
  server?: { variable: string; url: string };
  /** The tokprint version that started the run. */
  tokprint?: string;
  /** The reference index the run scored against. */
  index?: IndexFingerprint;
}

export type RecordEntry =
  | { kind: 'config'; at: string; config: RunConfig }
  /** A request, an error, or a target's whole answer, so a resumed run can use it again exactly as it was used. */
  | ExchangeEntry
  | { kind: 'observation'; seq: number; probes: string[]; promptTokens: number; stratum: string }
  /** A resume: how many answers the record held, and the budget when it was raised then. */
  | { kind: 'resumed'; at: string; answered: number; budget?: RunConfig['budget'] }
  /** What the first answer showed the target gives, and the channels read from then on. */
  | { kind: 'channels'; offered: TargetOffers; reading: string[]; missing: string[] }
  | WireEntry
  | { kind: 'digest'; at: string; algorithm: 'sha256'; lines: number; sha256: string };

/**
 * The run's JSONL transcript: opens with the config, closes with a sha256 digest of every line before
 * it. Each line is written and synced to disk before the caller goes on, so a killed run loses at most
 * the line it was writing.
 */
export class RunRecord {
  private fd: number;

  private constructor(
    readonly dir: string,
    readonly path: string,
    private readonly lock?: HeldLock,
  ) {
    this.fd = openSync(path, 'a');
  }

  /** Starts the record of a new run; `lock` is the run directory's, held by this process while it writes. */
  static create(dir: string, config: RunConfig, now: Date = new Date(), lock?: HeldLock): RunRecord {
    writeRunJson(dir, RUN_FILES.config, config);
    const record = new RunRecord(dir, join(dir, RUN_FILES.transcript), lock);
    record.append({ kind: 'config', at: now.toISOString(), config });
    return record;
  }

  /**
   * Reopens a killed run's transcript for appending, after dropping a last line cut off mid-write. A sealed
   * run is reopened only when it ended inconclusive and `budgetRaised`: its digest stays where it is,
   * sealing what the run held then, and the run goes on after it to a new digest.
   */
  static reopen(dir: string, lock?: HeldLock, budgetRaised = false): { record: RunRecord; entries: RecordEntry[] } {
    const { path, entries, validBytes } = RunRecord.resumable(dir, budgetRaised);
    truncateSync(path, validBytes);
    return { record: new RunRecord(dir, path, lock), entries };
  }

  /**
   * A run's record as resuming it would read it, changing nothing (a dry run plans from it): refused, as reopen
   * refuses it, when the run is finished and cannot go on.
   */
  static resumable(dir: string, budgetRaised = false): ReturnType<typeof readRecord> {
    const record = readRecord(dir);
    const { entries, config } = record;
    if (entries.at(-1)?.kind === 'digest') {
      const sealed = sealedVerdict(dir);
      if (sealed?.verdict.status !== 'inconclusive')
        throw new UserError(`${dir} is a finished run; re-score it with tokprint rescore`);
      // the limit it stopped at is the one to raise: under noise the request limit was --noise-queries
      const flag = spentLimit(sealed.stop, config.budget, sealed.noise) ?? '--max-queries';
      if (!budgetRaised)
        throw new UserError(
          `${dir} is a finished run that ended inconclusive; go on with a higher budget (tokprint identify --resume ${dir} ${flag} N) or re-score it with tokprint rescore`,
        );
    }
    return record;
  }

  append(entry: RecordEntry | TranscriptEntry): void {
    this.lock?.assertHeld();
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
  }

  /** Seals the transcript with the digest of everything in it. */
  close(now: Date = new Date()): void {
    const bytes = readFileSync(this.path);
    const lines = bytes.toString('utf8').split('\n').length - 1;
    this.append({ kind: 'digest', at: now.toISOString(), algorithm: 'sha256', lines, sha256: sha256Hex(bytes) });
    closeSync(this.fd);
  }
}

/** The status of a sealed run's verdict, or undefined when it has none that can be read. */
function sealedVerdict(dir: string): VerdictRecord | undefined {
  const path = join(dir, RUN_FILES.verdict);
  if (!existsSync(path)) return undefined;
  try {
    return checkVerdict(JSON.parse(readFileSync(path, 'utf8')), path);
  } catch {
    return undefined;
  }
}

/** Whether `dir` holds the config a white-box run writes (it has no transcript: it sent nothing). */
function isWhiteBoxRun(dir: string): boolean {
  try {
    return JSON.parse(readFileSync(join(dir, RUN_FILES.config), 'utf8'))?.method === 'white-box';
  } catch {
    return false;
  }
}

/** A run's transcript, checked: it opens with a valid config, and no two processes wrote it at once. */
export function readRecord(dir: string): {
  path: string;
  config: RunConfig;
  entries: RecordEntry[];
  validBytes: number;
} {
  const path = join(dir, RUN_FILES.transcript);
  if (!existsSync(path)) {
    if (isWhiteBoxRun(dir))
      throw new UserError(
        `${dir} is a white-box run (tokenizer files compared directly): it recorded no answers, so there is nothing to rescore or resume; run tokprint identify on the files again`,
      );
    throw new UserError(`${dir} is not a tokprint run: it has no ${RUN_FILES.transcript}`);
  }
  const { entries, validBytes } = readEntries(path);
  checkTranscript(entries, path);
  if (entries[0]?.kind !== 'config') throw new UserError(`${path} does not open with the run's config`);
  const config = checkRunConfig(entries[0].config, path);
  return { path, config, entries, validBytes };
}

/** Every whole line of a transcript; a trailing line without its newline (a write cut off) is left out. */
export function readEntries(path: string): { entries: RecordEntry[]; validBytes: number } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new UserError(
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a directory' : (error as Error).message})`,
    );
  }
  const end = bytes.lastIndexOf(0x0a) + 1;
  const text = bytes.subarray(0, end).toString('utf8');
  const entries = text
    .split('\n')
    .filter(Boolean)
    .map((line, i) => {
      try {
        return JSON.parse(line) as RecordEntry;
      } catch {
        throw new UserError(`${path}: line ${i + 1} is not JSON`);
      }
    });
  return { entries, validBytes: end };
}

/** Checks a finished transcript's digest: `undefined` when it is sealed and intact, else why not. */
export function digestProblem(path: string): string | undefined {
  const bytes = readFileSync(path);
  const text = bytes.toString('utf8');
  const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
  let last: RecordEntry;
  try {
    last = JSON.parse(text.slice(lastStart));
  } catch {
    return 'the transcript has no digest (the run did not finish)';
  }
  if (last.kind !== 'digest') return 'the transcript has no digest (the run did not finish)';
  const body = bytes.subarray(0, Buffer.byteLength(text.slice(0, lastStart)));
  return sha256Hex(body) === last.sha256 ? undefined : 'the transcript does not match its digest';
}
