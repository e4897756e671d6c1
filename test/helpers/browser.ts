import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT } from './hookd-build.js';
import { TEST_ADMIN_TOKEN } from './hookd.js';

/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it when absent). */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Where the tests save screenshots (git-ignored): look at them after a run. */
export const SCREENSHOTS_DIR = join(ROOT, 'test-output', 'screenshots');

/** Generous: the engine delivers and the pages poll on a machine whose two cores are shared. */
export const UI_TIMEOUT_MS = 30_000;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * Collects what would show in the browser's console as a problem: page errors, console errors and
 * failed requests. An aborted request (a stream closed by navigating away) is not a failure.
 */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? '';
    if (!failure.includes('ERR_ABORTED')) problems.push(`request failed: ${request.url()} ${failure}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return problems;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Runs axe-core in the page (evaluated over the DevTools protocol, which the page's CSP does not govern). */
export async function expectNoSeriousA11yViolations(page: Page, view: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `${view}: ${JSON.stringify(serious, null, 1)}`).toEqual([]);
}

/**
 * Saves the page at 1400 px and 375 px wide (full page), then puts the desktop width back. At
 * each width nothing may make the page wider than the window (the issue: usable at 375 px).
 */
export async function screenshotBothWidths(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  for (const width of [1400, 375]) {
    await page.setViewportSize({ width, height: 900 });
    const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(pageWidth, `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(width);
    await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1400, height: 900 });
}

/**
 * A fresh browser context (no session: 1400 × 900, every wait up to UI_TIMEOUT_MS) and a page in
 * it whose console problems are collected in `problems`.
 */
export async function openPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  const page = await context.newPage();
  return { context, page, problems: watchConsole(page) };
}

/** Opens `url`, which asks a visitor with no session to log in, logs in with the admin token, and waits for the `landing` heading. */
export async function logIn(page: Page, url: string, landing: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Admin token').fill(TEST_ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: landing, level: 1 }).waitFor();
}

/** A main view: no serious or critical axe violation, then saved at both widths. */
export async function checkView(page: Page, name: string): Promise<void> {
  await expectNoSeriousA11yViolations(page, name);
  await screenshotBothWidths(page, name);
}
