import { describe, expect, it } from 'vitest';
import { channelTable, failedRun, kindTable, RowTally, runOutcome } from '../../bench/channel-table.js';
import type { IdentifyResult } from '../../src/scoring/identify.js';
import type { Verdict } from '../../src/scoring/verdict.js';

function result(
  verdict: Partial<Verdict>,
  queries: number,
  stop: IdentifyResult['stop'] = 'confident',
): IdentifyResult {
  return {
    verdict: { status: 'match', reference: null, class: [], family: null, models: [], confidence: 1, ...verdict },
    posterior: { groups: [], unknown: 0 } as unknown as IdentifyResult['posterior'],
    requests: [],
    queries,
    promptTokens: 0,
    stop,
    channels: { enabled: ['stream'], channels: [{ name: 'stream', note: '' }], consistency: {} as never },
  };
}

const cells = (table: string, label: string) =>
  table
    .split('\n')
    .find((line) => line.startsWith(`| ${label} |`))!
    .split('|')
    .slice(2, -1)
    .map((c) => c.trim());

describe('the channel table', () => {
  it('counts a match in another class of the family as family-level correct only, and a replay mark as no flag', () => {
    const row = new RowTally('stream');
    row.add(
      runOutcome(result({ class: ['qwen2.5', 'qwen3'], family: 'qwen2' }, 3), 'qwen3', 'qwen2', 'byte-level BPE'),
    );
    row.add(runOutcome(result({ class: ['qwen2.5'], family: 'qwen2' }, 5), 'minicpm-v4.5', 'qwen2', 'byte-level BPE'));
    row.add(runOutcome(result({ status: 'derived', class: ['yi'], family: 'yi' }, 7), 'yi', 'yi', 'SentencePiece'));
    row.add(
      runOutcome(
        result({ class: ['yi'], family: 'yi', flags: ['answers-replayed'] }, 4, 'max-queries'),
        'yi',
        'yi',
        'SentencePiece',
      ),
    );
    const table = channelTable([row]);
    expect(cells(table, 'stream')).toEqual(['50.0% (2/4)', '100.0% (4/4)', '3/4', '5 / 7', '0/4', 'stream', '0']);
    expect(table).toContain('| **false flags, every row (target 0)** | | | | | 0/4 | | |');
  });

  it('sums flags over every row, names them, and shows a failed run without the loopback port', () => {
    const flagged = new RowTally('usage+stream');
    flagged.add(
      runOutcome(
        result({ status: 'unknown', flags: ['usage-count-inconsistent'] }, 12, 'max-queries'),
        'yi',
        'yi',
        'SentencePiece',
      ),
    );
    const failed = new RowTally('openai-no-usage: default flags');
    failed.add(
      failedRun(
        new Error('openai:http://127.0.0.1:41234/v1: request failed: unexpected answer: chat completion has no usage'),
        'byte-level BPE',
      ),
    );
    const table = channelTable([flagged, failed]);
    expect(table).toContain('| 1/2 (usage-count-inconsistent 1) |');
    expect(cells(table, 'openai-no-usage: default flags').at(-1)).toBe(
      '1: unexpected answer: chat completion has no usage',
    );
    expect(cells(kindTable([flagged, failed]), 'usage+stream')).toEqual(['0/1 / 1', '-']);
  });

  it('pools the seeds, rows kept apart', () => {
    const a = new RowTally('logprobs');
    const b = new RowTally('logprobs');
    a.add(runOutcome(result({ class: ['yi'], family: 'yi' }, 3), 'yi', 'yi', 'SentencePiece'), new Map([['x', 2]]));
    b.add(
      runOutcome(result({ class: ['o200k'], family: 'o200k' }, 3), 'yi', 'yi', 'SentencePiece'),
      new Map([['x', 1]]),
    );
    const pooled = RowTally.pooled('logprobs', [a, b]);
    expect(pooled.outcomes.map((o) => o.correct)).toEqual([true, false]);
    expect(pooled.notes.get('x')).toBe(3);
  });
});
