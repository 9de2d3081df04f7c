import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import { runCli } from '../helpers/cli.js';
import { committedEntry } from '../helpers/manifest-references.js';

interface Shown {
  reference: string;
  likeness: string;
  shared: string;
}

/** ">99.9%", "53.9%", "<0.1%" or "0%" back to a number, to check an order. */
function shareOf(text: string): number {
  const m = /^([<>]?)([\d.]+)%/.exec(text);
  if (!m) throw new Error(`not a percent: ${text}`);
  const n = Number(m[2]) / 100;
  return m[1] === '>' ? n + 0.0005 : m[1] === '<' ? n - 0.0005 : n;
}

function expectSortedByShare(rows: readonly Shown[]): void {
  const shares = rows.map((r) => shareOf(r.shared));
  expect(shares).toEqual([...shares].sort((x, y) => y - x));
}

/** The text report's table rows and its "vs <reference>: <likeness>, <share> shared; ..." lines. */
function textParts(text: string): { headline: string; rows: Shown[]; lines: Shown[] } {
  const all = text.split('\n');
  const start = all.findIndex((l) => /^ {2}reference +family +likeness +vocabulary$/.test(l));
  const rows: Shown[] = [];
  for (const line of all.slice(start + 1)) {
    const m = /^ {2}(\S+) +\S+ +(\S+) +(\S+%) shared$/.exec(line);
    if (!m) break;
    rows.push({ reference: m[1], likeness: m[2], shared: m[3] });
  }
  const lines = all
    .map((l) => /^ {2}vs (\S+): (\w+), (\S+%) shared/.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ reference: m[1], likeness: m[2], shared: m[3] }));
  return { headline: all[1], rows, lines };
}

describe('a white-box report names each reference one way, ranked by the one measure it shows', () => {
  let dir: string;
  const env = () => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOKPRINT_CACHE: process.env.TOKPRINT_CACHE ?? cacheDir(),
    TOKPRINT_HOME: join(dir, 'home'),
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tokprint-white-box-report-'));
    // Gemma 2's file: a class-mate the fingerprint finds not quite identical, and a fully compared reference
    // (mistral-v1) whose fingerprint estimate (overlapping) and full comparison (unrelated) disagree
    const gemma2 = await fetchReferenceFiles(committedEntry('gemma2'), {
      cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir(),
    });
    await writeFile(join(dir, 'tokenizer.json'), gemma2.main);
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('text, markdown, json and html agree on order, label and share, and the headline only calls identical ones the same', async () => {
    const identify = await runCli(['identify', 'tokenizer.json', '--out', join(dir, 'runs')], env(), dir);
    expect(identify.code).toBe(0);
    const [runName] = await readdir(join(dir, 'runs'));
    const run = join(dir, 'runs', runName);
    const recorded = JSON.parse(await readFile(join(run, 'verdict.json'), 'utf8'));
    const report = async (format: string) => {
      const result = await runCli(['report', run, '--format', format], env(), dir);
      expect(result.code).toBe(0);
      return result.stdout;
    };

    const text = textParts(await report('text'));
    expect(text.rows.length).toBeGreaterThan(2);
    expectSortedByShare(text.rows);
    const label = new Map(text.rows.map((r) => [r.reference, r]));
    // a full comparison's verdict is the label wherever the reference is named
    for (const c of recorded.candidates.filter((c: { comparison?: unknown }) => c.comparison))
      expect(label.get(c.reference)?.likeness).toBe(c.comparison.verdict);
    expect(text.lines.length).toBeGreaterThan(0);
    for (const line of text.lines) expect(line).toEqual(label.get(line.reference));
    const identifyLines = textParts(`\n${identify.stdout}`).lines;
    expect(identifyLines).toEqual(text.lines);

    // "(same vocabulary as X, Y)" names only references the table calls identical
    const named = /\(same vocabulary as ([^)]+)\)/.exec(text.headline)?.[1].split(', ') ?? [];
    for (const reference of named) expect(label.get(reference)?.likeness).toBe('identical');
    for (const member of recorded.verdict.class.filter((m: string) => m !== recorded.verdict.reference))
      if (label.get(member) && label.get(member)?.likeness !== 'identical') expect(named).not.toContain(member);

    const md = (await report('md'))
      .split('\n')
      .map((l) => /^\| (\S+) \| \S+ \| (\w+) \| (\S+%) shared \|/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ reference: m[1], likeness: m[2], shared: m[3] }));
    expect(md.slice(0, text.rows.length)).toEqual(text.rows);

    const json = JSON.parse(await report('json'));
    const comparisons: { reference: string; likeness: string; shared: number }[] = json.comparisons;
    expect(comparisons.map((c) => c.reference).slice(0, text.rows.length)).toEqual(text.rows.map((r) => r.reference));
    for (const c of comparisons) if (label.has(c.reference)) expect(c.likeness).toBe(label.get(c.reference)?.likeness);
    const shares = comparisons.map((c) => c.shared);
    expect(shares).toEqual([...shares].sort((x, y) => y - x));

    const html = await report('html');
    const bars = [
      ...html.matchAll(
        /data-reference="([^"]+)"><span class="sim-label">[^<]*<span class="note">[^<]*· (\w+)<\/span><\/span>.*?<span class="sim-value">([^<]+%) shared<\/span>/g,
      ),
    ].map((m) => ({ reference: m[1], likeness: m[2], shared: m[3].replace('&gt;', '>').replace('&lt;', '<') }));
    expect(bars.slice(0, text.rows.length)).toEqual(text.rows);
    for (const line of text.lines)
      expect(html).toContain(`<b>${line.reference}</b>: ${line.likeness}, ${line.shared.replace('>', '&gt;')} shared`);
  }, 180_000);
});
