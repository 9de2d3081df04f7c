import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun } from '../../src/run/read-run.js';
import { renderHtml } from '../../src/report/render-html.js';
import { percent, plainVerdict } from '../../src/report/report-facts.js';
import { reportWithSplits } from '../../src/run/run-outputs.js';
import { openWorkspace } from '../../src/run/workspace.js';
import { hostileReport, HOSTILE } from './adversarial.js';
import { launchChromium, skipWithoutChromium } from './browser.js';
import { defaultRun, type RunFixture } from './run-fixture.js';

/** Screenshots land here (gitignored), for people to look at. */
const OUTPUT = fileURLToPath(new URL('../../test-output/report/', import.meta.url));

let fixture: RunFixture;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let verdict: any;

/** Opens a file and records every request the page makes that is not the file itself. */
async function open(path: string): Promise<{ page: Page; outside: string[]; errors: string[] }> {
  const page = await browser.context.newPage();
  const outside: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    if (request.url() !== pathToFileURL(path).href) outside.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(path).href);
  return { page, outside, errors };
}

describe.skipIf(skipWithoutChromium())('HTML report in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    fixture = await defaultRun();
    verdict = JSON.parse(readFileSync(join(fixture.run, 'verdict.json'), 'utf8'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.remove();
  });

  it('shows the verdict of verdict.json up top in plain words, a bar per hypothesis, the evidence and every request, with nothing fetched', async () => {
    const file = join(fixture.run, 'report.html');
    const { page, outside, errors } = await open(file);
    const report = readRun(fixture.run, { name: 'tokprint', version: '0.1.0' });
    const plain = plainVerdict(report);

    const card = page.locator('section.verdict');
    expect(await card.getAttribute('data-status')).toBe(verdict.verdict.status);
    expect(await card.locator('.headline').innerText()).toBe(plain.headline);
    expect(plain.headline).toBe('Built on the deepseek-v3 tokenizer');
    expect(await card.locator('.number').innerText()).toBe(percent(verdict.verdict.confidence));
    expect(await card.innerText()).toMatch(/What this does not show[\s\S]*fine-tune/i);
    const top = await card.boundingBox();
    expect(top!.y + top!.height).toBeLessThan(900); // the verdict is read without scrolling

    // the leading hypotheses' odds after each request: the verdict's reference climbs, the others fall away
    const series = page.locator('svg.trail-chart g.series');
    const shown = await series.evaluateAll((gs) =>
      gs.map((g) => ({ reference: g.getAttribute('data-reference'), final: Number(g.getAttribute('data-final')) })),
    );
    expect(shown.map((s) => s.reference)).toEqual([
      ...verdict.hypotheses.slice(0, 4).map((h: any) => h.reference),
      'none of these',
    ]);
    expect(shown[0].final).toBeGreaterThan(2);
    for (const other of shown.slice(1)) expect(other.final).toBeLessThan(0);
    expect(await series.first().locator('circle').count()).toBe(verdict.queries);
    expect(await page.locator('svg.posterior-chart').count()).toBe(0);
    // predicted minus billed: the leader's dot sits on the billed line for every pack
    expect(await page.locator('svg.residual-chart g.pack').count()).toBe(verdict.queries - 1);
    expect(await page.locator('svg.residual-chart circle.exact').count()).toBeGreaterThanOrEqual(verdict.queries - 1);

    const evidence = page.locator('table.evidence tbody tr');
    expect(await evidence.count()).toBe(verdict.queries - 1);
    expect(
      await page.locator('table.evidence tbody tr td:nth-child(3)').evaluateAll((tds) => tds.map((td) => td.className)),
    ).toEqual(Array(verdict.queries - 1).fill('num hit'));
    expect(await page.locator('.probe').count()).toBe(verdict.strongestProbes.length);
    expect(await page.locator('.probe .split.leader .tok').count()).toBeGreaterThan(0);

    const transcriptLines = await page.locator('table.requests tbody tr td:last-child').allInnerTexts();
    expect(transcriptLines).toEqual(report.requests.map((r) => `${r.lines.request}–${r.lines.response}`));

    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(OUTPUT, 'default-run.png'), fullPage: true });
    await page.screenshot({ path: join(OUTPUT, 'default-run-first-screen.png') });
    await page.close();
  });

  it('shows hostile probe and target text as text: no script runs, no element is injected', async () => {
    const file = join(fixture.root, 'hostile.html');
    writeFileSync(
      file,
      renderHtml(
        hostileReport(
          await reportWithSplits(
            await openWorkspace(fixture.env),
            readRun(fixture.run, { name: 'tokprint', version: '0.1.0' }),
          ),
        ),
      ),
    );
    const { page, outside } = await open(file);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('script, img, iframe, object').count()).toBe(0);
    expect(await page.locator('.target').innerText()).toContain('<script>window.pwned=1</script>');
    expect(await page.locator('.probe .text').first().innerText()).toContain('<img␣src=x␣onerror="window.pwned=2">'); // spaces shown as ␣
    expect(HOSTILE).toContain('\u202e');
    expect(await page.locator('body').innerText()).not.toContain('\u202e');
    expect(outside).toEqual([]);
    await page.close();
  });
});
