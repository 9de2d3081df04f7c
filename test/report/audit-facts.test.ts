import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percent } from '../../src/report/percent.js';
import { renderCycloneDx } from '../../src/report/render-cyclonedx.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderJson } from '../../src/report/render-json.js';
import { renderMarkdown } from '../../src/report/render-markdown.js';
import { reproduceCommand, shellWord } from '../../src/report/reproduce-command.js';
import type { AuditResult, AuditTargetResult } from '../../src/run/audit-result.js';
import type { RunReport } from '../../src/run/run-report.js';
import { renderAuditJunit } from '../../src/report/audit-junit.js';
import { renderAuditTable } from '../../src/report/audit-table.js';
import { tokenPieces } from '../../src/scoring/strongest-probes.js';
import { shownPieces } from '../../src/report/token-pieces.js';
import { readRun } from '../../src/run/read-run.js';
import { committedTokenizer } from '../helpers/manifest-references.js';
import { defaultRun, type RunFixture } from './run-fixture.js';

let fixture: RunFixture;
let report: RunReport;

beforeAll(async () => {
  fixture = await defaultRun(['--operator', 'Ada Auditor', '--seed', '4']);
  report = readRun(fixture.run, { name: 'tokprint', version: '0.1.0' });
});
afterAll(() => fixture?.remove());

describe('one percent format', () => {
  it('one decimal, and never a rounded certainty the number does not have', () => {
    expect([0.996, 0.99951, 0.9999999, 1, 0.5, 0.0004, 0, Number.NaN].map(percent)).toEqual([
      '99.6%',
      '>99.9%',
      '>99.9%',
      '>99.9%',
      '50.0%',
      '<0.1%',
      '0%',
      '—',
    ]);
  });
});

describe('the command that runs an audit again', () => {
  it('is the recorded run: target, budget, seed, channels and operator, each word as the shell reads it back', () => {
    expect(reproduceCommand(report)).toBe(
      `tokprint identify ${shellWord(report.settings.target)} --max-queries 6 --max-prompt-tokens 30000 --noise-queries 10 --seed 4 --channels usage --operator 'Ada Auditor'`,
    );
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
  });

  it('never carries a credential: URL userinfo and key parameters stay redacted, a key is named by its variable', () => {
    const secret = 'sk-live-abcdef0123456789';
    const withSecrets: RunReport = {
      ...report,
      settings: {
        ...report.settings,
        target: `openai:https://auditor:${secret}@gateway.example/v1?api_key=${secret}`,
        http: { model: 'house-1', apiKeyEnv: 'HOUSE_KEY', timeoutMs: 30_000, detectTokenize: false },
      },
    };
    const command = reproduceCommand(withSecrets);
    expect(command).not.toContain(secret);
    expect(command).toContain('--model house-1 --api-key-env HOUSE_KEY --timeout 30 --no-detect-tokenize');
    expect(renderHtml(withSecrets)).toMatch(/put the credentials back where the target shows them redacted/);
  });

  it('sets the variable that chose a model id’s server, the value quoted and its credentials redacted', () => {
    const secret = 'sk-live-abcdef0123456789';
    const dir = join(fixture.root, 'server-run');
    cpSync(fixture.run, dir, { recursive: true });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        ...config,
        target: 'openai:chat:house-1',
        server: { variable: 'OPENAI_BASE_URL', url: `https://gateway.example/v1?api_key=${secret}` },
      }),
    );
    const command = reproduceCommand(readRun(dir, report.tool));
    expect(command).toMatch(
      /^OPENAI_BASE_URL='https:\/\/gateway\.example\/v1\?api_key=\[redacted\]' tokprint identify openai:chat:house-1 /,
    );
    expect(command).not.toContain(secret);
  });

  it('a config edited to hold a credential in its target still reaches no report with it', () => {
    const secret = 'sk-live-abcdef0123456789';
    const dir = join(fixture.root, 'edited-run');
    cpSync(fixture.run, dir, { recursive: true });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ ...config, target: `openai:https://auditor:${secret}@gateway.example/v1?api_key=${secret}` }),
    );
    const edited = readRun(dir, report.tool);
    expect(edited.settings.target).toMatch(/^openai:https:\/\/\[redacted\]@gateway\.example/);
    for (const render of [renderHtml, renderMarkdown, renderJson, renderCycloneDx])
      expect(render(edited)).not.toContain(secret);
  });
});

describe('byte tokens shown as the text they make', () => {
  it('joins the byte pieces of a real tokenizer back into the characters they split, keeping the pieces', async () => {
    const llama3 = await committedTokenizer('llama3');
    const text = 'ऋषिकेश में गंगा 𝔘𝔫𝔦𝔠𝔬𝔡𝔢';
    const pieces = tokenPieces(llama3, text);
    expect(pieces.some((p) => /^(<0x[0-9A-F]{2}>)+$/.test(p))).toBe(true);
    const shown = shownPieces(pieces);
    expect(shown.map((p) => p.text).join('')).toBe(text);
    expect(shown.flatMap((p) => p.raw)).toEqual(pieces);
    expect(shown.filter((p) => p.bytes).every((p) => !/<0x/.test(p.text))).toBe(true);
  });
});

describe('the audit summaries', () => {
  const row = (label: string, found: string, seconds: number): AuditTargetResult => ({
    label,
    target: label,
    outcome: 'error',
    expected: 'family deepseek-v3',
    found,
    reports: [],
    exitCode: 3,
    seconds,
  });
  const result: AuditResult = {
    startedAt: '2026-12-06T10:00:00.000Z',
    seconds: 12.5,
    targets: [row('a', `HTTP 401: ${'A'.repeat(300)}`, 10), row('b', 'short', 11)],
    counts: { passed: 0, failed: 0, inconclusive: 0, error: 2 },
    exitCode: 1,
  };

  it('the table cuts a long error to one readable cell and says where the whole of it is', () => {
    const table = renderAuditTable(result, { color: false });
    for (const line of table.split('\n')) expect(line.length).toBeLessThan(200);
    expect(table).toContain(`HTTP 401: ${'A'.repeat(20)}`);
    expect(table).toMatch(/…/);
    expect(table).toMatch(/long cells are cut; audit\.json and --json hold them whole/);
  });

  it('JUnit keeps the whole error, and its suite time is the audit’s wall clock, not the sum of targets run at once', () => {
    const xml = renderAuditJunit(result);
    expect(xml).toContain('A'.repeat(300));
    expect(xml).toMatch(/<testsuite [^>]*time="12\.5"/);
  });
});
