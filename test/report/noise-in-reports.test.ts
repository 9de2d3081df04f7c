import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAuditTable } from '../../src/report/audit-table.js';
import { renderAuditJunit } from '../../src/report/audit-junit.js';
import { renderAuditHtml, renderAuditMarkdown } from '../../src/report/audit-summary.js';
import { mdEscape } from '../../src/report/render-markdown.js';
import type { AuditResult, AuditTargetResult } from '../../src/run/audit-result.js';
import { escapeMarkup } from '../../src/report/xml-escape.js';
import { makeSandbox, runCli, type Sandbox, shareReferenceFiles } from '../helpers/cli.js';

/**
 * Every report of a run whose counts moved between identical requests states it, in the words of the terminal's
 * noise line: the spread, the requests that measured it and, for a run that could not see through it, why. The
 * advice to run again names the limit the run stopped at.
 */
let sandbox: Sandbox;
const runs: Record<string, { dir: string; verdict: any; file: (name: string) => string }> = {};

async function identify(name: string, argv: string[]): Promise<void> {
  const out = join(sandbox.root, name);
  const result = await runCli(
    ['identify', ...argv, '--channels', 'usage', '--report', 'all', '--out', out, '--quiet'],
    sandbox.env,
    sandbox.root,
  );
  expect(result.stderr).toBe('');
  const [run] = readdirSync(out);
  const dir = join(out, run);
  const file = (f: string) => readFileSync(join(dir, f), 'utf8');
  runs[name] = { dir, verdict: JSON.parse(file('verdict.json')), file };
}

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
  // a hidden paragraph moving by hundreds of tokens: the run goes past --max-queries to the limit under noise
  await identify('noise-limit', ['sim:llama3?vary=paragraph&spread=400', '--seed', '1']);
  // a +-2 id through a budget of 1,500 prompt tokens
  await identify('token-limit', ['sim:yi?vary=id&spread=2', '--seed', '1', '--max-prompt-tokens', '1500']);
  // a paragraph whose moves never showed on the frame's repeat: the request limit of 6 holds
  await identify('request-limit', ['sim:yi?vary=paragraph&spread=6', '--seed', '1', '--max-queries', '2']);
}, 300_000);
afterAll(() => sandbox?.remove());

describe('a run that could not see through the noise', () => {
  it('stopped at the limit under noise, past --max-queries, with the spread and the reason recorded', () => {
    const { verdict } = runs['noise-limit'];
    expect(verdict.verdict.status).toBe('inconclusive');
    expect(verdict.stop).toBe('max-queries');
    expect(verdict.queries).toBe(10);
    expect(verdict.noise.spread).toBeGreaterThan(0);
    expect(verdict.noise.reason).toMatch(/^counts vary by about \d+ tokens between identical requests; /);
  });

  it('JSON: a noise field with the spread, the requests that measured it, its words and the reason', () => {
    const { verdict, file } = runs['noise-limit'];
    const json = JSON.parse(file('report.json'));
    expect(json.noise).toEqual({
      spread: verdict.noise.spread,
      frameRepeats: verdict.noise.repeats,
      strayChecks: 0,
      requests: verdict.noise.repeats,
      promptTokens: verdict.noise.repeatTokens,
      summary: expect.stringMatching(
        /^identical requests' counts vary by about \d+ tokens? \(measured with \d+ repeats? of the bare frame, [\d,]+ prompt tokens\)$/,
      ),
      reason: verdict.noise.reason,
    });
    expect(json.verdict.shows).toContain(verdict.noise.reason);
  });

  it('every format gives the terminal noise line, word for word', async () => {
    const { dir, verdict, file } = runs['noise-limit'];
    const { summary } = JSON.parse(file('report.json')).noise;
    const terminal = await runCli(['report', dir], sandbox.env, sandbox.root);
    expect(terminal.stdout).toContain(`noise: ${summary}; ${verdict.noise.reason}\n`);
    const sentence = summary[0].toUpperCase() + summary.slice(1);
    const md = file('report.md');
    expect(md).toContain(`- **Noise:** ${mdEscape(sentence)}.`);
    expect(md).toContain(mdEscape(verdict.noise.reason));
    const html = file('report.html');
    expect(html).toMatch(
      new RegExp(`<p class="lead noise" id="noise" data-spread="${verdict.noise.spread}" data-requests="\\d+">`),
    );
    expect(html).toContain(escapeMarkup(sentence));
    expect(html).toContain(escapeMarkup(verdict.noise.reason));
    const junit = file('report.junit.xml');
    expect(junit).toContain(escapeMarkup(`noise: ${summary}; ${verdict.noise.reason}`));
    expect(junit).toMatch(/<failure [^>]*type="inconclusive">[^<]*counts vary by about \d+ tokens between identical/);
    const properties = JSON.parse(file('report.cdx.json')).metadata.component.properties;
    expect(properties).toEqual(
      expect.arrayContaining([
        { name: 'tokprint:noise.spread-tokens', value: String(verdict.noise.spread) },
        { name: 'tokprint:noise.frame-repeats', value: String(verdict.noise.repeats) },
        { name: 'tokprint:noise.stray-checks', value: '0' },
        { name: 'tokprint:noise.prompt-tokens', value: String(verdict.noise.repeatTokens) },
        { name: 'tokprint:noise.summary', value: summary },
        { name: 'tokprint:noise.reason', value: verdict.noise.reason },
      ]),
    );
  });
});

describe('the advice to run again', () => {
  const advice = (name: string) => JSON.parse(runs[name].file('report.json')).verdict.doesNotShow as string;

  it('names --noise-queries when the run stopped at the limit under noise', () => {
    expect(advice('noise-limit')).toMatch(/larger --noise-queries/);
    expect(advice('noise-limit')).not.toMatch(/--max-queries|--max-prompt-tokens/);
    expect(runs['noise-limit'].file('report.md')).toMatch(/larger --noise-queries/);
  });

  it('names --max-prompt-tokens when the prompt-token budget ran out', () => {
    expect(runs['token-limit'].verdict.stop).toBe('max-prompt-tokens');
    expect(advice('token-limit')).toMatch(/larger --max-prompt-tokens/);
    expect(advice('token-limit')).not.toMatch(/--max-queries|--noise-queries/);
  });

  it('names --max-queries when the request limit held', () => {
    expect(runs['request-limit'].verdict).toMatchObject({ stop: 'max-queries', queries: 2 });
    expect(advice('request-limit')).toMatch(/larger --max-queries/);
    expect(advice('request-limit')).not.toMatch(/--noise-queries|--max-prompt-tokens/);
  });

  it('and resume, refusing a finished run without a raised budget, names the same limit', async () => {
    const refused = await runCli(['identify', '--resume', runs['noise-limit'].dir], sandbox.env, sandbox.root);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/go on with a higher budget \(tokprint identify --resume \S+ --noise-queries N\)/);
  });
});

describe('the audit summaries', () => {
  it('give each target’s noise in the words of its own report', () => {
    const { dir, verdict, file } = runs['noise-limit'];
    const { summary } = JSON.parse(file('report.json')).noise;
    const target: AuditTargetResult = {
      label: 'noisy',
      target: 'sim:llama3?vary=paragraph&spread=400',
      outcome: 'inconclusive',
      expected: 'family llama3',
      found: 'inconclusive',
      confidence: null,
      requests: verdict.queries,
      promptTokens: verdict.promptTokens,
      flags: [],
      noise: verdict.noise,
      run: dir,
      reports: [],
      exitCode: 1,
      seconds: 1,
    };
    const result: AuditResult = {
      startedAt: '2026-12-06T10:00:00.000Z',
      seconds: 1,
      targets: [target, { ...target, label: 'clean', noise: undefined }],
      counts: { passed: 0, failed: 0, inconclusive: 2, error: 0 },
      exitCode: 1,
    };
    const line = `${summary}; ${verdict.noise.reason}`;
    expect(renderAuditMarkdown(result, sandbox.root)).toMatch(/\| flags \| noise \|/);
    expect(renderAuditMarkdown(result, sandbox.root)).toContain(`| ${line.replace(/([\\|`*_[\]<>])/g, '\\$1')} |`);
    expect(renderAuditHtml(result, sandbox.root)).toContain(`<td>${escapeMarkup(line)}</td></tr>`);
    const table = renderAuditTable(result, { color: false }).split('\n');
    expect(table[0]).toMatch(/ tokens {2}noise$/);
    expect(table[1]).toContain(line.length <= 100 ? line : line.slice(0, 99));
    expect(table[2]).toMatch(/^INCONCLUSIVE {2}clean /);
    expect(renderAuditTable({ ...result, targets: [result.targets[1]] }, { color: false })).not.toMatch(/noise/);
    const junit = renderAuditJunit(result);
    expect(junit).toContain(`<property name="noise" value="${escapeMarkup(line)}"/>`);
    expect(junit.match(/name="noise"/g)).toHaveLength(1);
  });
});
