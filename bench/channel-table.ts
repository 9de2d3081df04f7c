import type { IdentifyResult } from '../src/scoring/identify.js';
import { median } from './accuracy-table.js';
import type { VocabularyKind } from './vocabulary-kind.js';

/** A flag that says how the run was made, not that the target's channels disagree. */
const NOT_A_CONSISTENCY_FLAG = new Set(['answers-replayed']);

/** How one run on an honest simulated target ended, against the reference it was built on. */
export interface RunOutcome {
  kind: VocabularyKind;
  correct: boolean;
  /** A match or derived verdict in the reference's family (its class or another class of the family). */
  familyCorrect: boolean;
  reachedVerdict: boolean;
  requests: number;
  /** Consistency flags the verdict carries: each a false accusation, the target being honest. */
  flags: string[];
  /** Answer channels that scored anything. */
  read: string[];
  error?: string;
}

export function runOutcome(result: IdentifyResult, id: string, family: string, kind: VocabularyKind): RunOutcome {
  const { verdict } = result;
  return {
    kind,
    correct: verdict.status === 'match' && verdict.class.includes(id),
    familyCorrect: (verdict.status === 'match' || verdict.status === 'derived') && verdict.family === family,
    reachedVerdict: result.stop === 'confident',
    requests: result.queries,
    flags: (verdict.flags ?? []).filter((f) => !NOT_A_CONSISTENCY_FLAG.has(f)),
    read: (result.channels?.channels ?? []).map((c) => c.name),
  };
}

export function failedRun(error: unknown, kind: VocabularyKind): RunOutcome {
  const message = (error as Error).message ?? String(error);
  return {
    kind,
    correct: false,
    familyCorrect: false,
    reachedVerdict: false,
    requests: 0,
    flags: [],
    read: [],
    // the loopback port differs each run; what failed is the rest
    error: message
      .split('\n')[0]
      .replace(/^\S+: request failed: /, '')
      .replace(/http:\/\/127\.0\.0\.1:\d+/g, ''),
  };
}

export class RowTally {
  readonly outcomes: RunOutcome[] = [];
  /** What the row's requests did on the wire (an endpoint, a missing header), with how often. */
  readonly notes = new Map<string, number>();

  constructor(readonly label: string) {}

  add(outcome: RunOutcome, notes?: ReadonlyMap<string, number>): void {
    this.outcomes.push(outcome);
    for (const [note, n] of notes ?? []) this.notes.set(note, (this.notes.get(note) ?? 0) + n);
  }

  static pooled(label: string, tallies: readonly RowTally[]): RowTally {
    const pooled = new RowTally(label);
    for (const t of tallies) for (const o of t.outcomes) pooled.add(o, undefined);
    for (const t of tallies) for (const [note, n] of t.notes) pooled.notes.set(note, (pooled.notes.get(note) ?? 0) + n);
    return pooled;
  }
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}% (${n}/${d})` : '-');

function row(t: RowTally): string {
  const o = t.outcomes;
  const count = (pick: (r: RunOutcome) => boolean) => o.filter(pick).length;
  const toVerdict = o.filter((r) => r.reachedVerdict).map((r) => r.requests);
  const read = [...new Set(o.flatMap((r) => r.read))].sort().join(', ') || '-';
  const errors = o.filter((r) => r.error);
  const firstError = errors.length ? `${errors.length}: ${errors[0].error!.slice(0, 90)}` : '0';
  return [
    t.label,
    pct(
      count((r) => r.correct),
      o.length,
    ),
    pct(
      count((r) => r.familyCorrect),
      o.length,
    ),
    `${toVerdict.length}/${o.length}`,
    toVerdict.length ? `${median(toVerdict)} / ${Math.max(...toVerdict)}` : '-',
    `${count((r) => r.flags.length > 0)}/${o.length}`,
    read,
    firstError,
  ].join(' | ');
}

/**
 * One table: a row per channel row, then the false-flag row over every run of the table (every target honest, so
 * every flag is false).
 */
export function channelTable(tallies: readonly RowTally[]): string {
  const header =
    '| channels | closed-set correct | family-level correct | reached a verdict | median / max requests to a verdict | flagged | answer channels scored | failed runs |';
  const rule = '|---|---|---|---|---|---|---|---|';
  const all = tallies.flatMap((t) => t.outcomes);
  const flagged = all.filter((r) => r.flags.length > 0);
  const byFlag = new Map<string, number>();
  for (const r of flagged) for (const f of r.flags) byFlag.set(f, (byFlag.get(f) ?? 0) + 1);
  const kinds = [...byFlag].map(([f, n]) => `${f} ${n}`).join(', ');
  const falseFlags = `| **false flags, every row (target 0)** | | | | | ${flagged.length}/${all.length}${kinds ? ` (${kinds})` : ''} | | |`;
  return [header, rule, ...tallies.map((t) => `| ${row(t)} |`), falseFlags].join('\n');
}

/** The wire notes of each row that has any: which endpoints the adapter used, what a request lacked. */
export function wireNotes(tallies: readonly RowTally[]): string {
  const lines = tallies
    .filter((t) => t.notes.size)
    .map((t) => `- ${t.label}: ${[...t.notes].map(([note, n]) => `${note} (${n} requests)`).join('; ')}`);
  return lines.length ? ['', 'On the wire:', ...lines].join('\n') : '';
}

/** Closed-set correct and flagged per vocabulary kind, for each row: where a channel or an API fails one kind. */
export function kindTable(tallies: readonly RowTally[]): string {
  const kinds: VocabularyKind[] = ['SentencePiece', 'byte-level BPE'];
  const header = `| channels | ${kinds.map((k) => `${k}: correct / flagged`).join(' | ')} |`;
  const rule = `|---|${kinds.map(() => '---').join('|')}|`;
  const cell = (t: RowTally, kind: VocabularyKind) => {
    const o = t.outcomes.filter((r) => r.kind === kind);
    return o.length
      ? `${o.filter((r) => r.correct).length}/${o.length} / ${o.filter((r) => r.flags.length > 0).length}`
      : '-';
  };
  return [header, rule, ...tallies.map((t) => `| ${t.label} | ${kinds.map((k) => cell(t, k)).join(' | ')} |`)].join(
    '\n',
  );
}
