// A member's page and a board's access, in a real headless Chromium against a real api: the member page shows
// the boards the member reads and why, their grants, a ban with its reason and the operator who banned them,
// their latest posts, comments and chat sessions, a report against them and the audit lines of their account,
// each linking to its page; a hidden board's page lists its grant holders, adds one through the member picker
// and removes one, and the member's API access follows at once; a grantee banned meanwhile is refused with
// the boards service's words. Screenshots go to .test-tmp/artifacts/admin-member.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import type { Viewer } from '../../src/access/index.js';
import { tmpRoot } from '../helpers/db.js';
import { browserTimeoutMs } from '../helpers/process.js';
import { browserAvailable, launchBrowser, newPage, signIn, waitUntil } from './browser.js';
import { person, startAdminSuite, type AdminSuite, type Person } from './setup.js';

jest.setTimeout(4 * browserTimeoutMs);

const artifacts = path.join(tmpRoot, 'artifacts', 'admin-member');
const API = '/api/v1';

(browserAvailable ? describe : describe.skip)('member page and board access in headless Chromium', () => {
  let s: AdminSuite;
  let browser: Browser;
  let page: Page;
  let admin: Person;
  let staff: Viewer;
  /** The whole page: the panel scrolls inside its own layout, so the window is made as tall as the content first. */
  const shot = async (name: string) => {
    const height = await page.locator('[data-css="app-content"]').evaluate((el) => (el as unknown as { scrollHeight: number }).scrollHeight);
    await page.setViewportSize({ width: 1280, height: Math.max(900, Math.min(height + 120, 6000)) });
    await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  };
  /** Warnings and errors of the browser console and failed page scripts: a page must raise none. */
  const heard: string[] = [];
  const viewer = (p: Person): Viewer => ({ id: p.id, role: 'user' });
  const texts = async (selector: string) => (await page.locator(selector).allTextContents()).map((t) => t.trim());
  const tokenOf = async (who: Person) => {
    const res = await request(s.origin).post(`${API}/auth/login`).send({ name: who.name, password: who.password });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  };
  const boardFor = (token: string, boardId: number) => request(s.origin).get(`${API}/boards/${boardId}`).set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    s = await startAdminSuite();
    admin = await person(s.t, 'admin');
    staff = { id: admin.id, role: 'admin' };
    browser = await launchBrowser();
    page = await newPage(browser);
    page.on('console', (m) => {
      // AdminJS's development bundles each carry their own @emotion/react, which warns of the other
      if (m.text().startsWith('You are loading @emotion/react when it is already loaded')) return;
      if (m.type() === 'warning' || m.type() === 'error') heard.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => heard.push(`pageerror: ${e.message}`));
    await signIn(page, s.origin, admin);
  }, 4 * browserTimeoutMs);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('shows a member’s grants, readable boards, ban with reason and banner, posts, comments, chats, reports and audit lines', async () => {
    const { boards, posts, comments, chat, reports, users } = s.t.ctx.services;
    const member = await person(s.t, 'user', 'dossier');
    const reporter = await person(s.t, 'user', 'reporter');
    const pub = await boards.create(staff, { name: `square-${member.id}` });
    const secret = await boards.create(staff, { name: `backroom-${member.id}`, isVisible: false, userIds: [member.id] });
    const post = await posts.create(viewer(member), pub.id, { name: `Cheap watches ${member.id}`, content: 'buy now' });
    await comments.create(viewer(member), post.id, `follow my link ${member.id}`);
    const session = await chat.create(viewer(member), { name: `deals-${member.id}` });
    await reports.create(viewer(reporter), { targetType: 'post', targetId: post.id, reason: 'spam' });
    await users.setBanned(staff, member.id, true, 'posting spam links');

    await page.goto(`${s.origin}/admin/resources/User/records/${member.id}/show`);
    await page.waitForSelector('[data-testid="agora-member-ban"]');
    await shot('member-page');

    // who they are: the record's own fields stay on the page
    expect(await page.textContent('[data-testid="property-show-email"]')).toContain(member.email);
    expect(await page.getAttribute('[data-testid="agora-status-isBanned"]', 'data-variant')).toBe('danger');
    // the ban: now, and in the history with reason and the operator who banned
    expect(await page.textContent('[data-testid="agora-member-ban-now"]')).toContain('posting spam links');
    expect(await texts('[data-testid="agora-member-ban-reason"]')).toEqual(['posting spam links']);
    expect(await texts('[data-testid="agora-member-ban-by"]')).toEqual([admin.name]);
    // boards: what they read and why, and their grants
    const readable = await page.locator('[data-testid="agora-member-readable-board"]').allTextContents();
    expect(readable).toEqual(expect.arrayContaining([`${pub.name}Public`, `${secret.name}Granted`]));
    expect(await texts('[data-testid="agora-member-grant"]')).toEqual([secret.name]);
    // what they wrote and where they talk
    expect((await texts('[data-testid="agora-member-post"]')).join('\n')).toContain(post.name);
    expect((await texts('[data-testid="agora-member-comment"]')).join('\n')).toContain(`follow my link ${member.id}`);
    expect((await texts('[data-testid="agora-member-chat"]')).join('\n')).toContain(session.name);
    // reports against them, and none filed
    const against = await page.locator('[data-testid="agora-member-reports-against"] [data-testid="agora-member-report"]').allTextContents();
    expect(against).toHaveLength(1);
    expect(against[0]).toContain(reporter.name);
    expect(against[0]).toContain('open');
    expect(await page.locator('[data-testid="agora-member-reports-filed"] [data-testid="agora-member-report"]').count()).toBe(0);
    // the audit lines of their account
    const onAccount = await texts('[data-testid="agora-member-audit-on"] [data-testid="agora-member-audit-action"]');
    expect(onAccount).toContain('user.banned');

    // each item links to its page
    await page.click(`[data-testid="agora-member-post"] a:has-text("${post.name}")`);
    await page.waitForSelector('[data-testid="property-show-content"]');
    expect(new URL(page.url()).pathname).toBe(`/admin/resources/Post/records/${post.id}/show`);
    await page.goBack();
    await page.waitForSelector('[data-testid="agora-member-ban"]');
    await page.click('[data-testid="agora-member-audit-on-more"]');
    await page.waitForSelector('table tbody tr');
    expect(new URL(page.url()).pathname).toBe('/admin/resources/AuditLog');
    expect(await page.textContent('table tbody')).toContain('user.banned');
    expect(heard).toEqual([]);
  });

  it('lists a hidden board’s grant holders; adding and removing one through the page changes the member’s access at once', async () => {
    const { boards, users } = s.t.ctx.services;
    const holder = await person(s.t, 'user', 'holder');
    const newcomer = await person(s.t, 'user', 'newcomer');
    const doomed = await person(s.t, 'user', 'doomed');
    const board = await boards.create(staff, { name: `vault-${holder.id}`, isVisible: false, userIds: [holder.id] });
    const [holderToken, newcomerToken] = [await tokenOf(holder), await tokenOf(newcomer)];
    expect((await boardFor(holderToken, board.id)).status).toBe(200);
    expect((await boardFor(newcomerToken, board.id)).status).toBe(404);

    const holders = () => page.locator('[data-testid="agora-grant-holder"]');
    const holderIds = async () => (await holders().evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { userId: string } }).dataset.userId))).map(Number);
    await page.goto(`${s.origin}/admin/resources/Board/records/${board.id}/show`);
    await page.waitForSelector('[data-testid="agora-grant-holder"]');
    await shot('board-grant-holders');
    // the board's admins (granted on hiding) and the member
    expect(await holderIds()).toEqual(expect.arrayContaining([admin.id, holder.id]));
    expect(await holders().filter({ hasText: holder.name }).count()).toBe(1);

    const pick = async (who: Person) => {
      await page.click('#agora-grant-add-input');
      await page.fill('#agora-grant-add-input', who.name);
      await page.locator('[class*="option"]', { hasText: who.name }).first().click();
      await page.click('[data-testid="agora-grant-add-submit"]');
    };

    // add
    await pick(newcomer);
    await page.waitForSelector(`[data-testid="agora-grant-holder"][data-user-id="${newcomer.id}"]`);
    expect(await page.textContent('[data-testid="agora-grant-message"]')).toContain('Grant added.');
    await shot('board-grant-added');
    const granted = await boardFor(newcomerToken, board.id);
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ id: board.id, access: 'granted' });

    // remove
    await holders().filter({ hasText: holder.name }).locator('[data-testid="agora-grant-remove"]').click();
    await waitUntil(async () => !(await holderIds()).includes(holder.id), 'the removed holder leaves the list');
    expect(await page.textContent('[data-testid="agora-grant-message"]')).toContain('Grant removed.');
    expect((await boardFor(holderToken, board.id)).status).toBe(404);
    expect(await s.t.ctx.prisma.userBoardPermission.count({ where: { boardId: board.id, userId: holder.id } })).toBe(0);

    // a member banned between the pick and the click is refused, in the service's words
    await page.click('#agora-grant-add-input');
    await page.fill('#agora-grant-add-input', doomed.name);
    await page.locator('[class*="option"]', { hasText: doomed.name }).first().click();
    await users.setBanned(staff, doomed.id, true, 'spam');
    await page.click('[data-testid="agora-grant-add-submit"]');
    await waitUntil(async () => ((await page.textContent('[data-testid="agora-grant-message"]')) ?? '').includes('banned'), 'the refusal is shown');
    expect(await page.textContent('[data-testid="agora-grant-message"]')).toContain(`A banned account cannot be granted a board: ${doomed.name}`);
    await shot('board-grant-refused');
    expect(await holderIds()).not.toContain(doomed.id);
    expect(await s.t.ctx.prisma.userBoardPermission.count({ where: { boardId: board.id, userId: doomed.id } })).toBe(0);

    // the newcomer's page says why they read the board
    await page.goto(`${s.origin}/admin/resources/User/records/${newcomer.id}/show`);
    await page.waitForSelector('[data-testid="agora-member-readable-board"]');
    expect(await page.locator('[data-testid="agora-member-readable-board"]', { hasText: board.name }).textContent()).toBe(`${board.name}Granted`);
    expect(await texts('[data-testid="agora-member-grant"]')).toEqual([board.name]);
    expect(heard).toEqual([]);
  });
});
