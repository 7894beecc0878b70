// The password reset page in a real headless Chromium against a real api whose PORT is not 3000: a member
// asks for a reset, the link is taken from the mail in the file outbox and opened, a mismatch and a weak
// password are refused on the page, the new password is set and works for an API login; the used link and a
// wrong token show an error. Nothing breaks the app's CSP. Screenshots go to .test-tmp/artifacts/reset-password.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import { startApi, type RunningApi } from '../../src/api-server.js';
import { API, PASSWORD, expectProblem } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { tmpRoot } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(executablePath);
/** A generous bound for one browser step on a busy machine (the page waits for states, never for time). */
const BROWSER_STEP_MS = 180_000;
if (!available && process.env.CI) throw new Error(`browser tests need Chromium at ${executablePath} (set CHROMIUM_PATH)`);

const artifacts = path.join(tmpRoot, 'artifacts', 'reset-password');
const NEW_PASSWORD = 'N3w!Passw0rd-reset';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

(available ? describe : describe.skip)('password reset page in headless Chromium', () => {
  let t: TestContext;
  let api: RunningApi;
  let port: number;
  let origin: string;
  let browser: Browser;
  const member = { name: `reset${crypto.randomBytes(4).toString('hex')}`, email: '', password: PASSWORD };
  member.email = `${member.name}@example.com`;
  let link = '';
  const problems: string[] = [];

  /** A page that records console errors (CSP violations among them) and failed requests. */
  async function open(url: string): Promise<Page> {
    const page = await browser.newPage();
    page.setDefaultTimeout(60_000);
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    return page;
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
  const apiLogin = (password: string) => request(origin).post(`${API}/auth/login`).send({ name: member.name, password });

  async function mailedLink(): Promise<string> {
    const dir = t.ctx.config.mail.outboxDir;
    const mail = await waitFor(
      'the reset mail in the outbox',
      () => {
        const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
        const mails = files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { to: { address: string }[]; text: string });
        return mails.find((m) => m.to.some((a) => a.address === member.email));
      },
      60_000,
    );
    const found = /(https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    expect(found).toBeDefined();
    return found!;
  }

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    // PUBLIC_URL unset: the mailed link must follow PORT
    port = await freePort();
    t = await createTestContext({ PORT: String(port), LOGIN_RATE_LIMIT_IP: '1000' });
    api = await startApi(t.ctx, port, '127.0.0.1');
    origin = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    expect((await request(origin).post(`${API}/users`).send(member)).status).toBe(201);
  }, BROWSER_STEP_MS);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await t?.cleanup();
  });

  it(
    'mails a link to this server’s page',
    async () => {
      expect((await request(origin).post(`${API}/auth/password-reset`).send({ email: member.email })).status).toBe(202);
      link = await mailedLink();
      expect(link.startsWith(`http://localhost:${port}/reset-password?token=`)).toBe(true);
    },
    BROWSER_STEP_MS,
  );

  it(
    'opens the link, refuses a mismatch and a weak password, then sets the new one',
    async () => {
      const page = await open(link);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await page.locator('[lang="ko"]').count()).toBeGreaterThan(0);
      const confirms: number[] = [];
      page.on('response', (r) => r.url().endsWith('/auth/password-reset/confirm') && confirms.push(r.status()));
      // the script enables the button once it runs
      await page.waitForSelector('#submit:not([disabled])');
      await shot(page, '1-form');

      await page.fill('#password', NEW_PASSWORD);
      await page.fill('#confirm', `${NEW_PASSWORD}x`);
      await page.click('#submit');
      await page.waitForSelector('#confirm-error:not([hidden])');
      expect(await page.textContent('#confirm-error')).toContain('The two passwords differ.');
      expect(confirms).toEqual([]); // checked on the page, nothing sent

      await page.fill('#password', 'weakpassword');
      await page.fill('#confirm', 'weakpassword');
      await page.click('#submit');
      await page.waitForSelector('#password-error:not([hidden])');
      // the API's own message for the field, next to the rule the page states
      expect(await page.textContent('#password-error')).toMatch(/^password /);
      expect(await page.textContent('#password-hint')).toContain('must contain a lower-case letter, an upper-case letter, a digit and a special character');
      expect(await page.getAttribute('#password', 'aria-invalid')).toBe('true');
      expect(confirms).toEqual([400]);
      await shot(page, '2-weak-password');

      await page.fill('#password', NEW_PASSWORD);
      await page.fill('#confirm', NEW_PASSWORD);
      await page.click('#submit');
      await page.waitForSelector('#status.success');
      expect(await page.textContent('#status')).toContain('Your password has been changed.');
      expect(await page.locator('#reset-form').count()).toBe(0);
      expect(confirms).toEqual([400, 204]);
      await shot(page, '3-changed');
      await page.close();

      const res = await apiLogin(NEW_PASSWORD);
      expect(res.status).toBe(200);
      expect(res.body.access_token).toEqual(expect.any(String));
      expectProblem(await apiLogin(PASSWORD), 401, 'invalid_credentials');
    },
    BROWSER_STEP_MS,
  );

  it.each([
    ['the used link', () => link],
    ['a wrong token', () => `${origin}/reset-password?token=${crypto.randomBytes(32).toString('base64url')}`],
  ])(
    'shows an error for %s and changes nothing',
    async (_what, url) => {
      const page = await open(url());
      await page.waitForSelector('#submit:not([disabled])');
      await page.fill('#password', 'An0ther!Passw0rd');
      await page.fill('#confirm', 'An0ther!Passw0rd');
      await page.click('#submit');
      await page.waitForSelector('#status.error:not([hidden])');
      expect(await page.textContent('#status')).toContain('The reset token is invalid, expired or already used. Ask for a new reset mail.');
      expect(await page.locator('#reset-form').count()).toBe(0);
      await shot(page, '4-invalid-token');
      await page.close();
      expect((await apiLogin('An0ther!Passw0rd')).status).toBe(401);
      expect((await apiLogin(NEW_PASSWORD)).status).toBe(200);
    },
    BROWSER_STEP_MS,
  );

  it(
    'says so when the link has no token',
    async () => {
      const page = await open(`${origin}/reset-password`);
      expect(await page.textContent('#status')).toContain('This link has no reset token');
      expect(await page.locator('form').count()).toBe(0);
      await page.close();
    },
    BROWSER_STEP_MS,
  );

  it('ran within the CSP, with no script error and no failed request', () => {
    // the page's own 400s are answers, not failures; anything else (a refused script or style) would show here
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
  });
});
