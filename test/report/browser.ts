import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium package; the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** Skip only on a developer machine without Chromium; in CI a missing browser must fail the run. */
export function skipWithoutChromium(): boolean {
  if (existsSync(CHROMIUM) || inCI) return false;
  console.warn(
    `skipping browser tests: ${CHROMIUM} is missing (apt-get install chromium); CI installs it and runs them`,
  );
  return true;
}

export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package for the browser tests`);
  const profile = mkdtempSync(join(tmpdir(), 'tokprint-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1100, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
