import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun } from '../../src/run/read-run.js';
import { renderCycloneDx } from '../../src/report/render-cyclonedx.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderJunit } from '../../src/report/render-junit.js';
import { renderMarkdown } from '../../src/report/render-markdown.js';
import { renderTerminal } from '../../src/report/render-terminal.js';
import type { RunReport } from '../../src/report/run-report.js';
import { flagNotes } from '../../src/report/verdict-flags.js';
import { defaultRun, type RunFixture } from './run-fixture.js';

let fixture: RunFixture;
let plain: RunReport;

beforeAll(async () => {
  fixture = await defaultRun([]);
  plain = readRun(fixture.run, { name: 'tokprint', version: '0.0.0-test' });
});
afterAll(() => fixture.remove());

/** The real run's report with the verdict flagged as a run that met such a target would have it. */
function flagged(flags: string[]): RunReport {
  return { ...plain, verdict: { ...plain.verdict, verdict: { ...plain.verdict.verdict, flags } } };
}

const FLAGS = ['usage-count-inconsistent', 'answers-replayed', 'a-flag-from-a-later-version'];

describe('verdict flags in every report', () => {
  it('are worded once, and a flag without words is shown by its name', () => {
    const notes = flagNotes(FLAGS, 'the usage counts fit qwen2.5, but the tokens seen rule it out');
    expect(notes.map((n) => n.flag)).toEqual(FLAGS);
    expect(notes[0].text).toMatch(
      /^The prompt token counts the target reports do not fit the tokens seen .* \(the usage counts fit qwen2\.5, but the tokens seen rule it out\.\)$/,
    );
    expect(notes[1].text).toMatch(/replayed/);
    expect(notes[2].text).toBe(
      'The verdict is flagged "a-flag-from-a-later-version": read the verdict\'s JSON before trusting it.',
    );
  });

  it('terminal: the first lines, before the target and the verdict', () => {
    const lines = renderTerminal(flagged(FLAGS), { color: false }).split('\n');
    expect(lines.slice(0, 3).map((l) => l.slice(0, l.indexOf(':')))).toEqual(FLAGS.map((f) => `warning (${f})`));
    expect(lines[3]).toMatch(/^target: /);
    expect(renderTerminal(plain, { color: false })).not.toMatch(/warning/);
  });

  it('markdown: right under the title, before the verdict', () => {
    const md = renderMarkdown(flagged(FLAGS)).split('\n').filter(Boolean);
    expect(md[0]).toMatch(/^# Tokenizer lineage/);
    expect(md.slice(1, 4)).toEqual(
      flagNotes(FLAGS).map((n) =>
        expect.stringMatching(new RegExp(`^> \\*\\*Warning \\(${n.flag.replace(/-/g, '\\-')}\\):\\*\\* `)),
      ),
    );
    expect(renderMarkdown(plain)).not.toMatch(/Warning/);
  });

  it('html: a warning section before the verdict section', () => {
    const html = renderHtml(flagged(FLAGS));
    const first = html.indexOf('data-flag="usage-count-inconsistent"');
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(html.indexOf('id="verdict"'));
    for (const flag of FLAGS) expect(html).toContain(`<b>Warning (${flag}):</b>`);
    expect(renderHtml(plain)).not.toContain('id="flags"');
  });

  it('CycloneDX: a property per flag, and the warnings open the pedigree notes and the identity evidence', () => {
    const bom = JSON.parse(renderCycloneDx(flagged(FLAGS)));
    const target = bom.metadata.component;
    expect(target['bom-ref']).toBe('model:target');
    expect(
      target.properties
        .filter((p: { name: string }) => p.name === 'tokprint:verdict.flag')
        .map((p: { value: string }) => p.value)
        .sort(),
    ).toEqual([...FLAGS].sort());
    expect(target.pedigree.notes).toMatch(/^Warning \(usage-count-inconsistent\): /);
    expect(target.evidence.identity[0].methods[0].value).toMatch(/^Warning \(usage-count-inconsistent\): /);
  });

  it('JUnit: a flagged run fails its testcase with the flags, first in its output too', () => {
    const xml = renderJunit(flagged(FLAGS));
    expect(xml).toMatch(/failures="1"/);
    expect(xml).toMatch(/<failure message="warning \(usage-count-inconsistent\): [^"]+" type="flagged">/);
    expect(xml).toMatch(/<system-out>warning \(usage-count-inconsistent\): /);
    const clean = renderJunit(plain);
    expect(clean).toMatch(/failures="0"/);
    expect(clean).not.toMatch(/warning/);
  });
});
