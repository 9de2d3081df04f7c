import { describe, expect, it } from 'vitest';
import { foundText, judge, type JudgedVerdict } from '../../src/run/audit-expect.js';

const match: JudgedVerdict = { status: 'match', family: 'llama3', class: ['llama3', 'llama3.1'], confidence: 0.999 };

describe('judging an audited verdict', () => {
  it('passes a verdict that names an expected family, fails one that names an excluded one', () => {
    expect(judge({ family: ['llama3'] }, match).outcome).toBe('passed');
    expect(judge({ family: ['qwen2'] }, match).outcome).toBe('failed');
    expect(judge({ not: { family: ['llama3.1'] } }, match).outcome).toBe('failed');
    expect(judge(undefined, match).outcome).toBe('passed');
  });

  it('never passes an inconclusive or a flagged run, as a run JUnit report does not', () => {
    expect(judge(undefined, { ...match, status: 'inconclusive' }).outcome).toBe('inconclusive');
    const flagged = { ...match, flags: ['usage-count-impossible'] };
    expect(judge({ family: ['llama3'] }, flagged).outcome).toBe('failed');
    expect(judge(undefined, flagged).outcome).toBe('failed');
    expect(foundText(flagged)).toBe('match llama3 = llama3.1, flagged usage-count-impossible');
    expect(foundText({ ...flagged, status: 'unknown' })).toBe('unknown, flagged usage-count-impossible');
  });
});
