import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun } from '../../src/run/read-run.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderJson } from '../../src/report/render-json.js';
import { renderJunit } from '../../src/report/render-junit.js';
import { renderMarkdown } from '../../src/report/render-markdown.js';
import { renderTerminal } from '../../src/report/render-terminal.js';
import { percent } from '../../src/report/percent.js';
import { evidenceRows, plainVerdict } from '../../src/report/report-facts.js';
import type { RunReport } from '../../src/run/run-report.js';
import { defaultRun, type RunFixture } from './run-fixture.js';

let fixture: RunFixture;
let report: RunReport;

beforeAll(async () => {
  fixture = await defaultRun([]);
  report = readRun(fixture.run, { name: 'tokprint', version: '0.1.0' });
});
afterAll(() => fixture.remove());

function as(status: 'derived' | 'unknown' | 'inconclusive'): RunReport {
  const v = report.verdict.verdict;
  const verdict =
    status === 'derived'
      ? { ...v, status, confidence: 0.96 }
      : { ...v, status, reference: null, class: [], family: null, models: [], confidence: 0.6 };
  return {
    ...report,
    verdict: { ...report.verdict, verdict, stop: status === 'inconclusive' ? 'max-queries' : report.verdict.stop },
  };
}

describe('the verdict in plain words', () => {
  it('match: names the base model, near certain, and says it is lineage, not which fine-tune', () => {
    const plain = plainVerdict(report);
    expect(plain).toMatchObject({
      status: 'match',
      headline: 'Built on the deepseek-v3 tokenizer',
      certainty: 'near certain',
    });
    expect(plain.detail).toBe(
      'reference tokenizer deepseek-v3, family deepseek-v3; models known to use it: DeepSeek V3, DeepSeek V3.1, DeepSeek V3.2, DeepSeek R1',
    );
    expect(plain.doesNotProve).toMatch(/^Which fine-tune/);
  });

  it('derived, unknown and inconclusive each say what they do and do not show', () => {
    expect(plainVerdict(as('derived'))).toMatchObject({
      headline: 'Built on a modified deepseek-v3 tokenizer',
      certainty: 'very likely',
    });
    expect(plainVerdict(as('unknown')).headline).toBe('Built on a tokenizer tokprint does not know');
    expect(plainVerdict(as('inconclusive'))).toMatchObject({
      headline: 'No verdict: the evidence was not strong enough',
      confidence: '—',
      certainty: 'no verdict',
    });
    expect(plainVerdict(as('inconclusive')).proves).toContain('max-queries');
  });

  it('an inconclusive report names the candidate its table leads with, as the terminal headline does', () => {
    const r = as('inconclusive');
    const lead = r.verdict.candidates[0];
    expect(lead.posterior).toBeGreaterThan(0.5);
    const leaning = /leaning \S+ at \S+%/.exec(renderTerminal(r, { color: false }))?.[0];
    expect(leaning).toBe(`leaning ${lead.reference} at ${percent(lead.posterior)}`);
    expect(plainVerdict(r).detail).toContain(leaning);
    // escaped as each format escapes ">"
    expect(renderMarkdown(r)).toContain(`Leaning ${lead.reference} at`);
    expect(renderHtml(r)).toContain(`leaning ${lead.reference} at`);
  });

  it('a run ended while the counts and the tokens seen disagreed says so, and leans nowhere', () => {
    const r = as('inconclusive');
    const disputed = {
      ...r,
      verdict: { ...r.verdict, verdict: { ...r.verdict.verdict, flags: ['seen-tokens-disputed'] } },
    };
    const text = renderTerminal(disputed, { color: false });
    expect(text).toMatch(/^inconclusive: the counts and the tokens seen in the answers name different tokenizers/m);
    expect(text).not.toMatch(/leaning/);
    expect(text).toMatch(/warning \(seen-tokens-disputed\)/);
    expect(plainVerdict(disputed).proves).toMatch(/name different tokenizers/);
    expect(renderMarkdown(disputed)).not.toMatch(/eaning/);
    // the versioned JSON report carries the flag in words, with what the two sides fit
    const withReason = {
      ...disputed,
      verdict: {
        ...disputed.verdict,
        channels: { consistency: { flags: [], reason: 'the prompt counts fit a, but the tokens seen fit b' } },
      },
    } as unknown as RunReport;
    const [warning] = JSON.parse(renderJson(withReason)).verdict.warnings;
    expect(warning.flag).toBe('seen-tokens-disputed');
    expect(warning.text).toMatch(/\(the prompt counts fit a, but the tokens seen fit b\.\)$/);
    expect(JSON.parse(renderJson(report)).verdict.warnings).toEqual([]);
  });

  it('every renderer handles every status', () => {
    for (const status of ['derived', 'unknown', 'inconclusive'] as const) {
      const r = as(status);
      expect(renderHtml(r)).toContain(`data-status="${status}"`);
      expect(renderMarkdown(r)).toContain(plainVerdict(r).headline);
      expect(renderTerminal(r, { color: false })).toMatch(new RegExp(`^${status}: `, 'm'));
    }
    expect(renderJunit(as('inconclusive'))).toMatch(/failures="1"[\s\S]*<failure message="No verdict/);
    expect(renderJunit(report)).not.toContain('<failure');
  });
});

describe('evidence rows', () => {
  it('one row per probe pack: the billed tokens over the bare frame against each leading reference', () => {
    const { references, rows } = evidenceRows(report);
    expect(references[0]).toBe('deepseek-v3');
    expect(rows.map((r) => r.seq)).toEqual(report.verdict.evidence.map((e) => e.request));
    for (const row of rows) {
      const recorded = report.verdict.evidence.find((e) => e.request === row.seq)!;
      expect(row.observed).toBe(recorded.observed);
      expect(row.cells[0]).toEqual({ reference: 'deepseek-v3', predicted: recorded.best.predicted, matched: true });
    }
  });

  it('falls back to the best and runner-up of runs that recorded only those', () => {
    const older = { ...report, verdict: { ...report.verdict, hypotheses: undefined } };
    const { rows } = evidenceRows(older);
    const recorded = report.verdict.evidence[0];
    expect(rows[0].cells[0]).toEqual({
      reference: recorded.best.reference,
      predicted: recorded.best.predicted,
      matched: true,
    });
    expect(rows[0].cells.filter((c) => c.predicted === undefined).length).toBe(rows[0].cells.length - 2);
  });
});

describe('a white-box run (tokenizer files compared, no requests)', () => {
  it('renders in every format: candidates without a probability, their class ids not read as lists', () => {
    const [best, other] = report.verdict.candidates;
    // the shape identify writes for a white-box run: class by id, a similarity, no posterior, no hypotheses
    const whiteBox = (c: typeof best) => ({
      reference: c.reference,
      class: c.reference,
      family: c.family,
      similarity: { jaccard: 1, aInB: 1, bInA: 1, idBlockAgreement: 1, likely: 'identical' },
    });
    const r = {
      ...report,
      requests: [],
      verdict: {
        ...report.verdict,
        hypotheses: undefined,
        evidence: [],
        unknown: undefined,
        candidates: [whiteBox(best), whiteBox(other)],
      },
    } as unknown as RunReport;
    const outputs = [renderMarkdown(r), renderHtml(r), renderTerminal(r, { color: false })];
    for (const out of outputs) expect(out).not.toMatch(/NaN|undefined|\+\d+ alike/);
    expect(outputs[0]).toContain(`| ${best.reference} | ${best.family} | — | — |`);
  });
});
