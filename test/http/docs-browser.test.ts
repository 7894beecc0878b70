// /docs in a real headless Chromium: Swagger UI renders our document and the page makes no request
// outside this server (all assets come from the swagger-ui-dist package).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { chromium, type Browser } from 'playwright-core';
import { startApi, type RunningApi } from '../../src/api-server.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { browserTimeoutMs } from '../helpers/process.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(executablePath);
if (!available && process.env.CI) throw new Error(`browser tests need Chromium at ${executablePath} (set CHROMIUM_PATH)`);

// every wait is bounded by browserTimeoutMs; a test makes a few of them
jest.setTimeout(4 * browserTimeoutMs);

(available ? describe : describe.skip)('/docs in headless Chromium', () => {
  let t: TestContext;
  let api: RunningApi;
  let browser: Browser;
  beforeAll(async () => {
    t = await createTestContext();
    api = await startApi(t.ctx, 0, '127.0.0.1');
    // playwright gives the browser a fresh, empty profile of its own
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 2 * browserTimeoutMs);
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await t?.cleanup();
  });

  it('renders the API document with no external request', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(browserTimeoutMs);
    const origin = `http://127.0.0.1:${api.port}`;
    const requests: string[] = [];
    const failed: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('requestfailed', (r) => failed.push(r.url()));
    const res = await page.goto(`${origin}/docs/`, { waitUntil: 'networkidle' });
    expect(res?.status()).toBe(200);
    await page.waitForSelector('.swagger-ui .info .title');
    expect(await page.textContent('.swagger-ui .info .title')).toContain('Agora API');
    // the operations of the document are listed
    await page.waitForSelector('.opblock-summary-path');
    const paths = (await page.locator('.opblock-summary-path').allTextContents()).map((p) => p.trim());
    expect(paths).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([]);
    expect(requests).toContain(`${origin}/openapi.json`);
    expect(failed).toEqual([]);
  });
});
