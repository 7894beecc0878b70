// The admin panel in a real headless Chromium against a real api: sign-in rules, the user list and its
// search, a ban from the panel (reason required) that kills the member's API token at once, unban, grant
// access to a hidden board, an AI model created from the panel, the audit log, and no request leaving the
// machine. Screenshots of the login page, the user list and the ban dialog go to .test-tmp/artifacts/admin.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { startAiWorkers } from '../../ai-worker/processors.js';
import { tmpRoot } from '../helpers/db.js';
import { browserTimeoutMs } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import { person, startAdminSuite, type AdminSuite, type Person } from './setup.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(executablePath);
if (!available && process.env.CI) throw new Error(`browser tests need Chromium at ${executablePath} (set CHROMIUM_PATH)`);

// every wait is bounded by browserTimeoutMs; a test makes a few of them
jest.setTimeout(4 * browserTimeoutMs);

const artifacts = path.join(tmpRoot, 'artifacts', 'admin');
const API = '/api/v1';

(available ? describe : describe.skip)('admin panel in headless Chromium', () => {
  let s: AdminSuite;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin: Person;
  let member: Person;
  let victim: Person;
  const requests: string[] = [];
  const failed: string[] = [];
  const shot = (name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
  const apiLogin = (who: Person) => request(s.origin).post(`${API}/auth/login`).send({ name: who.name, password: who.password });

  async function signIn(who: Person) {
    await page.goto(`${s.origin}/admin/login`);
    await page.fill('input[name="email"]', who.name);
    await page.fill('input[name="password"]', who.password);
    await Promise.all([page.waitForNavigation(), page.click('form button')]);
  }

  // Polls from the test side. page.waitForFunction evaluates its predicate with eval() inside the page once the
  // first check is false, and the panel's CSP (no 'unsafe-eval') refuses that.
  async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = browserTimeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function submitActionForm() {
    await page.click('[data-testid="agora-action-submit"]');
  }

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    s = await startAdminSuite();
    admin = await person(s.t, 'admin');
    member = await person(s.t, 'user', 'member');
    victim = await person(s.t, 'user', 'victim');
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(browserTimeoutMs);
    page.on('request', (r) => requests.push(r.url()));
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
  }, 4 * browserTimeoutMs);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('refuses a member at the sign-in page', async () => {
    const res = await page.goto(`${s.origin}/admin/login`);
    expect(res?.status()).toBe(200);
    await page.waitForSelector('input[name="email"]');
    await shot('login');
    await page.fill('input[name="email"]', member.name);
    await page.fill('input[name="password"]', member.password);
    const [answer] = await Promise.all([page.waitForNavigation(), page.click('form button')]);
    expect(answer?.status()).toBe(401);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    expect((await context.cookies()).some((c) => c.name === 'agora_admin' && c.value.length > 0)).toBe(false);
    const events = await s.t.ctx.audit.query({ action: 'admin.login_failed', limit: 10 });
    expect(events.items.map((e) => e.details?.reason)).toContain('not_staff');
  });

  it('signs an admin in to the Agora dashboard', async () => {
    await signIn(admin);
    expect(new URL(page.url()).pathname).toBe('/admin');
    await page.waitForSelector('[data-testid="agora-dashboard-title"]');
    expect(await page.textContent('[data-testid="agora-dashboard-title"]')).toBe('Agora');
    await waitUntil(async () => (await page.textContent('[data-testid="count-users-value"]')) !== '—', 'the user count is loaded');
    expect(Number(await page.textContent('[data-testid="count-users-value"]'))).toBe(3);
    expect(await page.title()).toBe('Agora');
    const cookie = (await context.cookies()).find((c) => c.name === 'agora_admin');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
  });

  it('lists and searches users, never showing a password hash', async () => {
    await page.goto(`${s.origin}/admin/resources/User`);
    await page.waitForSelector('table tbody tr');
    await shot('user-list');
    const all = await page.textContent('table tbody');
    expect(all).toContain(member.name);
    expect(all).toContain(victim.name);
    await page.goto(`${s.origin}/admin/resources/User?filters.name=${victim.name}`);
    await waitUntil(async () => (await page.locator('table tbody tr').count()) === 1 && ((await page.textContent('table tbody')) ?? '').includes(victim.name), 'the list shows only the searched user');
    expect(await page.textContent('table tbody')).not.toContain(member.name);
    await page.goto(`${s.origin}/admin/resources/User/records/${victim.id}/show`);
    await page.waitForSelector(`text=${victim.email}`);
    const html = await page.content();
    expect(html).not.toMatch(/passwordHash|\$argon2/);
  });

  it('bans from the panel: a reason is required, the member token dies at once, and it is audited', async () => {
    const token = (await apiLogin(victim)).body.access_token as string;
    expect((await request(s.origin).get(`${API}/users/me`).set('Authorization', `Bearer ${token}`)).status).toBe(200);

    await page.goto(`${s.origin}/admin/resources/User/records/${victim.id}/ban`);
    await page.waitForSelector('[data-testid="agora-action-form"]');
    await submitActionForm();
    await page.waitForSelector('[data-testid="agora-action-error"]');
    expect(await page.textContent('[data-testid="agora-action-error"]')).toContain('A reason is required');
    await page.fill('#agora-reason', 'spam in every board');
    await shot('ban-dialog');
    await submitActionForm();
    await page.waitForURL(`**/admin/resources/User/records/${victim.id}/show`);
    await page.waitForSelector('[data-testid="notice-wrapper"]');

    expect((await request(s.origin).get(`${API}/users/me`).set('Authorization', `Bearer ${token}`)).status).toBe(401);
    const again = await apiLogin(victim);
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 403, code: 'user_banned' });
    const row = await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: victim.id } });
    expect({ isBanned: row.isBanned, banReason: row.banReason }).toEqual({ isBanned: true, banReason: 'spam in every board' });
    const events = await s.t.ctx.audit.query({ action: 'user.banned', targetType: 'user', targetId: String(victim.id), limit: 5 });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({ actorId: admin.id, details: { reason: 'spam in every board' } });
  });

  it('unbans from the panel', async () => {
    await page.goto(`${s.origin}/admin/resources/User/records/${victim.id}/unban`);
    await page.waitForSelector('[data-testid="agora-action-form"]');
    await submitActionForm();
    await page.waitForURL(`**/admin/resources/User/records/${victim.id}/show`);
    expect((await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: victim.id } })).isBanned).toBe(false);
    expect((await apiLogin(victim)).status).toBe(200);
  });

  it('grants a hidden board to a member, who can then read it', async () => {
    const principal = { id: admin.id, role: 'admin' as const, jti: 'test', sid: 'test', exp: 0 };
    const board = await s.t.ctx.services.boards.create(principal, { name: `hidden-${member.id}`, isVisible: false });
    const token = (await apiLogin(member)).body.access_token as string;
    const read = () => request(s.origin).get(`${API}/boards/${board.id}`).set('Authorization', `Bearer ${token}`);
    expect((await read()).status).toBe(404);

    await page.goto(`${s.origin}/admin/resources/Board/records/${board.id}/grantAccess`);
    await page.waitForSelector('#agora-add');
    await page.fill('#agora-add', member.name);
    await submitActionForm();
    await page.waitForURL(`**/admin/resources/Board/records/${board.id}/show`);
    const res = await read();
    expect({ status: res.status, access: res.body.access }).toEqual({ status: 200, access: 'granted' });
    const events = await s.t.ctx.audit.query({ action: 'grant.added', targetType: 'board', targetId: String(board.id), limit: 5 });
    expect(events.items.map((e) => e.details?.userId)).toContain(member.id);
  });

  it('creates an AI model from the panel: queued, then trained by the worker and shown as available', async () => {
    await page.goto(`${s.origin}/admin/resources/Ai/actions/new`);
    await page.waitForSelector('[data-testid="button-save"]');
    await page.fill('input[name="name"]', `model-${admin.id}`);
    await page.click('[data-testid="button-save"]');
    await page.waitForURL(/\/admin\/resources\/Ai\/records\/\d+\/show/);
    const ai = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { name: `model-${admin.id}` } });
    expect(ai.status).toBe('queued');
    await page.waitForSelector('text=queued');

    // a real worker (the ai-worker's consumers, in this process) trains it on the shipped dataset
    const workers = await startAiWorkers(s.t.ctx);
    try {
      const row = await waitFor(
        'the model to be trained or to fail',
        async () => {
          const r = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: ai.id } });
          return r.status === 'failed' || (r.status === 'succeeded' && r.isAvailable) ? r : null;
        },
        browserTimeoutMs,
        100,
      );
      expect({ status: row.status, isAvailable: row.isAvailable, finished: row.finishDate !== null }).toEqual({ status: 'succeeded', isAvailable: true, finished: true });
      await page.reload();
      await page.waitForSelector('text=succeeded');
      await shot('ai-model-trained');
    } finally {
      await workers.close();
    }
  });

  it('shows the audit log', async () => {
    await page.goto(`${s.origin}/admin/resources/AuditLog?filters.action=user.banned`);
    await page.waitForSelector('table tbody tr');
    expect(await page.textContent('table tbody')).toContain('user.banned');
    await page.goto(`${s.origin}/admin/resources/AuditLog?filters.action=admin.login`);
    await page.waitForSelector('table tbody tr');
    expect(await page.textContent('table tbody')).toContain('admin.login');
    // newest first: the last things done in the panel
    await page.goto(`${s.origin}/admin/resources/AuditLog`);
    await page.waitForSelector('table tbody tr');
    const text = await page.textContent('table tbody');
    expect(text).toContain('ai.trained');
    expect(text).toContain('grant.added');
  });

  it('made no request outside this server', () => {
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => !u.startsWith(s.origin) && !u.startsWith('data:') && !u.startsWith('blob:'))).toEqual([]);
    // (a same-origin request cut short by a navigation or reload is not a failure of this kind)
    expect(failed.filter((f) => !(f.startsWith(s.origin) && f.endsWith('net::ERR_ABORTED')))).toEqual([]);
  });
});
