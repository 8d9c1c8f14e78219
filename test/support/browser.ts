/**
 * Headless Chromium for the browser tests (Debian's chromium driven by playwright-core):
 * one launcher with the flags that keep it quiet and sandbox-free in CI, and one place that
 * collects what a page reports as broken.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** A persistent headless context in `profileDir` (the caller removes the directory). */
export function launchHeadlessChromium(
  profileDir: string,
  options: { acceptDownloads?: boolean } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    ...options,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Appends the page's console errors and uncaught exceptions to `errors`, prefixed `<path>: `. */
export function recordPageErrors(page: Page, path: string, errors: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${path}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
}
