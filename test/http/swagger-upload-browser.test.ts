// /docs as a newcomer uses it, in a real headless Chromium: no warning box, file inputs (not text boxes) for
// the multipart operations, and an attachment uploaded through "Try it out" with a bearer token. The
// screenshot of the executed operation goes to .test-tmp/artifacts/docs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import { startApi, type RunningApi } from '../../src/api-server.js';
import { API, PASSWORD } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { tmpRoot } from '../helpers/db.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(executablePath);
/** A generous bound for one browser step on a busy machine (the page waits for states, never for time). */
const BROWSER_STEP_MS = 180_000;
if (!available && process.env.CI) throw new Error(`browser tests need Chromium at ${executablePath} (set CHROMIUM_PATH)`);

const artifacts = path.join(tmpRoot, 'artifacts', 'docs');

(available ? describe : describe.skip)('/docs "Try it out" in headless Chromium', () => {
  let t: TestContext;
  let api: RunningApi;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let token: string;
  let boardId: number;
  const problems: string[] = [];

  async function signupAndLogin(prefix: string, role?: 'admin'): Promise<string> {
    const name = `${prefix}${crypto.randomBytes(4).toString('hex')}`;
    const res = await request(origin)
      .post(`${API}/users`)
      .send({ name, email: `${name}@example.com`, password: PASSWORD });
    expect(res.status).toBe(201);
    if (role) await t.ctx.prisma.user.update({ where: { id: res.body.id as number }, data: { role } });
    const login = await request(origin).post(`${API}/auth/login`).send({ name, password: PASSWORD });
    expect(login.status).toBe(200);
    return login.body.access_token as string;
  }

  /** Opens an operation's panel and switches it to "Try it out". */
  async function tryOut(tag: string, operationId: string) {
    const op = page.locator(`#operations-${tag}-${operationId}`);
    await op.locator('.opblock-summary').first().click();
    await op.locator('.try-out__btn').click();
    return op;
  }

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    t = await createTestContext();
    api = await startApi(t.ctx, 0, '127.0.0.1');
    origin = `http://127.0.0.1:${api.port}`;
    const admin = await signupAndLogin('docsadmin', 'admin');
    const board = await request(origin)
      .post(`${API}/boards`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: `docs${crypto.randomBytes(3).toString('hex')}` });
    expect(board.status).toBe(201);
    boardId = board.body.id as number;
    token = await signupAndLogin('docsmember');
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  }, BROWSER_STEP_MS);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await t?.cleanup();
  });

  it(
    'renders the document without a warning box',
    async () => {
      const res = await page.goto(`${origin}/docs/`);
      expect(res?.status()).toBe(200);
      await page.waitForSelector('#operations-posts-createPost');
      expect(await page.locator('.swagger-ui .errors-wrapper').count()).toBe(0);
      expect(await page.textContent('.swagger-ui .information-container')).not.toContain('jsonSchemaDialect');
    },
    BROWSER_STEP_MS,
  );

  it(
    'authorizes with a bearer token',
    async () => {
      await page.click('.swagger-ui .auth-wrapper .authorize');
      await page.fill('.auth-container input[type="text"]', token);
      await page.click('.auth-btn-wrapper .modal-btn.authorize');
      await page.waitForSelector('.auth-btn-wrapper .modal-btn.btn-done');
      await page.click('.auth-btn-wrapper .modal-btn.btn-done');
    },
    BROWSER_STEP_MS,
  );

  it(
    'offers a file input for the AI dataset',
    async () => {
      const op = await tryOut('ai', 'createAi');
      await op.locator('.body-param-content-type select').selectOption('multipart/form-data');
      const dataset = op.locator('tr[data-property-name="dataset"]');
      expect(await dataset.locator('input[type="file"]').count()).toBe(1);
      expect(await dataset.locator('input[type="text"], textarea').count()).toBe(0);
      await op.locator('.opblock-summary').first().click(); // fold it again
    },
    BROWSER_STEP_MS,
  );

  it(
    'uploads an attachment with "Try it out": 201 and the stored file in the response',
    async () => {
      const op = await tryOut('posts', 'createPost');
      await op.locator('tr[data-param-name="boardId"] input').fill(String(boardId));
      await op.locator('.body-param-content-type select').selectOption('multipart/form-data');
      const files = op.locator('tr[data-property-name="files"]');
      // a file picker, not a text box holding generated bytes
      expect(await files.locator('textarea, input[type="text"]').count()).toBe(0);
      if ((await files.locator('input[type="file"]').count()) === 0) await files.locator('button.json-schema-form-item-add').click();
      await files
        .locator('input[type="file"]')
        .first()
        .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('meeting notes\n') });
      // text inputs report their value on blur (Tab), not only after their debounce
      await op.locator('tr[data-property-name="name"] input').fill('Uploaded from the docs');
      await op.locator('tr[data-property-name="name"] input').press('Tab');
      await op.locator('tr[data-property-name="content"] input').fill('With a file picked in Swagger UI');
      await op.locator('tr[data-property-name="content"] input').press('Tab');

      const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/api/v1/boards/${boardId}/posts`));
      await op.locator('.btn.execute').click();
      const res = await answered;
      expect(res.status()).toBe(201);
      expect(res.request().headers()['authorization']).toBe(`Bearer ${token}`);
      expect(res.request().headers()['content-type']).toMatch(/^multipart\/form-data; boundary=/);

      const live = op.locator('.live-responses-table tbody tr.response');
      await live.first().waitFor();
      expect((await live.locator('.response-col_status').first().textContent())?.trim()).toBe('201');
      const shown = await live.locator('.response-col_description .highlight-code pre').first().textContent();
      const post = JSON.parse(shown ?? '{}') as { id: number; name: string; files: { id: string; originalName: string; size: number; mimeType: string }[] };
      expect(post).toMatchObject({ name: 'Uploaded from the docs', files: [{ originalName: 'notes.txt', size: 14, mimeType: 'text/plain' }] });
      await live.first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(artifacts, 'try-it-out-upload.png'), fullPage: false });

      // the file is stored: it downloads with the same bytes
      const download = await request(origin).get(`${API}/files/${post.files[0].id}`).set('Authorization', `Bearer ${token}`);
      expect(download.status).toBe(200);
      expect(download.text).toBe('meeting notes\n');
    },
    BROWSER_STEP_MS,
  );

  it('ran without a script error or a failed request', () => {
    expect(problems).toEqual([]);
  });
});
