import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun } from '../../src/run/read-run.js';
import { renderJson } from '../../src/report/render-json.js';
import { renderMarkdown } from '../../src/report/render-markdown.js';
import { reproduceCommand } from '../../src/report/reproduce-command.js';
import { reportWithSplits } from '../../src/cli/run-reports.js';
import { openWorkspace } from '../../src/run/workspace.js';
import type { RunReport } from '../../src/run/run-report.js';
import { hostileReport, HOSTILE } from './adversarial.js';
import { defaultRun, type RunFixture } from './run-fixture.js';

let fixture: RunFixture;
let report: RunReport;
let verdict: any;

beforeAll(async () => {
  fixture = await defaultRun();
  report = await reportWithSplits(
    await openWorkspace(fixture.env),
    readRun(fixture.run, { name: 'tokprint', version: '0.0.0-test' }),
  );
  verdict = JSON.parse(readFileSync(join(fixture.run, 'verdict.json'), 'utf8'));
});
afterAll(() => fixture.remove());

describe('identify --report all', () => {
  it('on the simulated DeepSeek-V3-based default target writes all five formats beside the verdict', () => {
    expect(
      readdirSync(fixture.run)
        .filter((f) => f.startsWith('report.'))
        .sort(),
    ).toEqual(['report.cdx.json', 'report.html', 'report.json', 'report.junit.xml', 'report.md']);
    expect(verdict.verdict).toMatchObject({ status: 'match', reference: 'deepseek-v3' });
  });
});

describe('JSON report', () => {
  it('holds the verdict, every hypothesis, the evidence per probe pack and every request under stable field names', () => {
    const json = JSON.parse(renderJson(report));
    expect(Object.keys(json)).toEqual([
      'report',
      'target',
      'verdict',
      'audit',
      'stop',
      'unknown',
      'noise',
      'hypotheses',
      'evidence',
      'spent',
      'budget',
      'seed',
      'requests',
      'run',
    ]);
    expect(json.report).toEqual({
      format: 'tokprint-run-report',
      version: 1,
      tool: { name: 'tokprint', version: '0.0.0-test' },
    });
    expect(json.verdict).toMatchObject({ ...verdict.verdict, certainty: 'near certain' });
    expect(json.verdict.doesNotShow).toMatch(/fine-tune/);
    // identical requests were billed alike: no noise measured, and the field is there all the same
    expect(json.noise).toBeNull();
    expect(json.hypotheses[0]).toEqual({
      reference: 'deepseek-v3',
      family: 'deepseek-v3',
      class: ['deepseek-v3'],
      posterior: verdict.candidates[0].posterior,
      match: verdict.candidates[0].match,
      derived: verdict.candidates[0].derived,
    });
    expect(json.hypotheses).toHaveLength(verdict.hypotheses.length);
    expect(json.evidence.packs).toHaveLength(verdict.queries - 1);
    for (const pack of json.evidence.packs) {
      expect(pack.predicted.find((p: any) => p.reference === 'deepseek-v3')).toEqual({
        reference: 'deepseek-v3',
        tokens: pack.observed,
        matched: true,
      });
      const recorded = verdict.evidence.find((e: any) => e.request === pack.request);
      expect(pack.observed).toBe(recorded.observed);
    }
    expect(json.evidence.strongestProbes.length).toBeGreaterThan(0);
    expect(json.evidence.strongestProbes[0].splits[0].tokens.length).toBeGreaterThan(0);
    expect(json.spent).toMatchObject({
      requests: verdict.queries,
      promptTokens: verdict.promptTokens,
      channels: ['billed prompt tokens'],
    });
    expect(json.requests.map((r: any) => r.seq)).toEqual(Array.from({ length: verdict.queries }, (_, i) => i + 1));
    expect(Object.keys(json.requests[0])).toEqual([
      'seq',
      'at',
      'transcriptLines',
      'stratum',
      'probes',
      'chars',
      'promptTokens',
      'completionTokens',
      'latencyMs',
      'channels',
      'error',
    ]);
    expect(json.run.digest.state).toBe('sealed');
  });

  it('is the same file identify --report json wrote beside the verdict', () => {
    const written = JSON.parse(readFileSync(join(fixture.run, 'report.json'), 'utf8'));
    expect({ ...written, report: null }).toEqual({ ...JSON.parse(renderJson(report)), report: null });
  });
});

describe('Markdown report', () => {
  it('says what was found, how sure, and what it does not show, then the evidence and every request', () => {
    const md = renderMarkdown(report);
    // one confidence: the headline's is the verdict class's share in the table
    expect(md).toMatch(/\*\*Built on the deepseek-v3 tokenizer\*\* — confidence \\>99\.9% \(near certain\)/);
    expect(md).toMatch(/\*\*Does not show:\*\* Which fine-tune/);
    expect(md).toMatch(/^\| deepseek-v3 \| deepseek-v3 \| — \| \\>99\.9% \|$/m);
    const evidenceRows = md.split('\n').filter((l) => /^\| #\d+ \|/.test(l));
    expect(evidenceRows).toHaveLength(verdict.queries - 1);
    for (const row of evidenceRows) expect(row.split('|')[4]).toMatch(/✓/);
    expect(md).toMatch(/## Strongest probes/);
    const requestRows = md.split('\n').filter((l) => /^\| \d+ \| 20\d\d-/.test(l));
    expect(requestRows).toHaveLength(verdict.queries);
  });

  it('titles the target as given and shows the command to run it again in a shell block, unescaped', () => {
    const md = renderMarkdown(report);
    expect(report.settings.target).toContain('&');
    expect(md.split('\n')[0]).toBe(`# Tokenizer lineage: ${report.settings.target}`);
    expect(md).not.toMatch(/&amp;/);
    const block = /\nTo run it again:\n\n```sh\n(.*)\n```\n/.exec(md);
    expect(block?.[1]).toBe(reproduceCommand(report));
    expect(block?.[1]).toMatch(
      /^tokprint identify 'sim:deepseek-v3\?template=house&system=1400&seed=7' --max-queries /,
    );
  });

  it('keeps hostile text inert: no raw HTML, no broken table rows', () => {
    const md = renderMarkdown(hostileReport(report));
    // code spans and blocks show text literally; outside them nothing may be markup: < and > only backslash-escaped
    const outsideCode = md.replace(/^(`{3,})sh\n[\s\S]*?\n\1$/gm, '').replace(/(`+) [^\n]*? \1/g, '');
    expect(outsideCode).not.toMatch(/(?<!\\)[<>]|[\u0007\u202e]/);
    expect(outsideCode).toMatch(/\\<script\\>/);
    expect(md).toMatch(/`+ <script>window\.pwned=1<\/script>/); // still shown, as code
    const requestRow = md.split('\n').find((l) => /^\| 1 \| /.test(l))!;
    expect(requestRow.split(/(?<!\\)\|/).length).toBe(7);
    expect(HOSTILE).toContain('|');
  });
});
