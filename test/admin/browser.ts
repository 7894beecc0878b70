// Headless Chromium for the admin suites: one browser with a page at the panel's usual size, and the sign-in
// through the panel's own form.
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { browserTimeoutMs } from '../helpers/process.js';
import type { Person } from './setup.js';

export const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Whether the browser suites can run here (in CI they must: a missing Chromium fails there). */
export const chromiumAvailable = fs.existsSync(executablePath);
if (!chromiumAvailable && process.env.CI) throw new Error(`browser tests need Chromium at ${executablePath} (set CHROMIUM_PATH)`);

export interface PanelBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
}

export async function launchPanelBrowser(): Promise<PanelBrowser> {
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(browserTimeoutMs);
  return { browser, context, page };
}

/** Signs in through the panel's form and waits for the page after it. */
export async function signIn(page: Page, origin: string, who: Pick<Person, 'name' | 'password'>): Promise<void> {
  await page.goto(`${origin}/admin/login`);
  await page.fill('input[name="email"]', who.name);
  await page.fill('input[name="password"]', who.password);
  await Promise.all([page.waitForNavigation(), page.click('form button')]);
}
