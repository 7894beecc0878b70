// Shared by the admin browser suites: headless Chromium (CHROMIUM_PATH, /usr/bin/chromium by default; CI
// must have it, elsewhere the suites are skipped without it), a page signed in to the panel, and a polling
// wait from the test side (page.waitForFunction evaluates with eval() inside the page once its first check
// is false, and the panel's CSP refuses that).
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { browserTimeoutMs } from '../helpers/process.js';
import type { Person } from './setup.js';

export const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const browserAvailable = fs.existsSync(executablePath);
if (!browserAvailable && process.env.CI) throw new Error(`browser tests need Chromium at ${executablePath} (set CHROMIUM_PATH)`);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A new page (1280×900, every wait bounded by browserTimeoutMs). */
export async function newPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(browserTimeoutMs);
  return page;
}

export interface PanelBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
}

/** A browser with one page, for suites that keep both. */
export async function launchPanelBrowser(): Promise<PanelBrowser> {
  const browser = await launchBrowser();
  const page = await newPage(browser);
  return { browser, context: page.context(), page };
}

/** Signs in through the panel's form and waits for the page it leads to. */
export async function signIn(page: Page, origin: string, who: Pick<Person, 'name' | 'password'>): Promise<void> {
  await page.goto(`${origin}/admin/login`);
  await page.fill('input[name="email"]', who.name);
  await page.fill('input[name="password"]', who.password);
  await Promise.all([page.waitForNavigation(), page.click('form button')]);
}

/** Polls `check` until it holds (bounded by browserTimeoutMs). */
export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = browserTimeoutMs): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
