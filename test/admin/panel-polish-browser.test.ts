// The panel's finish, in a real headless Chromium against a real api: status badges coloured by meaning (a
// failed job and a ban in red, a finished job in green, a running one in blue; a closed account marked);
// pages and browser tabs titled by the record's name; a menu that does not nest a resource under its own name;
// a console without failed requests (the site icon included), errors or warnings on every list page.
// Screenshots go to .test-tmp/artifacts/admin-polish.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Viewer } from '../../src/access/index.js';
import { tmpRoot } from '../helpers/db.js';
import { browserTimeoutMs } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import { person, startAdminSuite, type AdminSuite, type Person } from './setup.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(executablePath);
if (!available && process.env.CI) throw new Error(`browser tests need Chromium at ${executablePath} (set CHROMIUM_PATH)`);

jest.setTimeout(4 * browserTimeoutMs);

const artifacts = path.join(tmpRoot, 'artifacts', 'admin-polish');

(available ? describe : describe.skip)('admin panel finish in headless Chromium', () => {
  let s: AdminSuite;
  let browser: Browser;
  let page: Page;
  let admin: Person;
  let staff: Viewer;
  const shot = (name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

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

  /** The badge of a property in the list row that contains `name`: its variant, text and background colour. */
  const badgeIn = async (name: string, property: string) => {
    const cell = page.locator('table tbody tr', { hasText: name }).first().locator(`[data-testid="agora-status-${property}"]`);
    const badge = cell.locator('.adminjs_Badge');
    const hasBadge = (await badge.count()) > 0;
    return {
      variant: await cell.getAttribute('data-variant'),
      text: ((await cell.textContent()) ?? '').trim(),
      badge: hasBadge,
      colour: hasBadge ? await badge.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor) : null,
    };
  };

  it('colours status badges by meaning: failed red, succeeded green, running blue; bans red; closed accounts marked', async () => {
    const statuses = ['failed', 'succeeded', 'running', 'queued'] as const;
    for (const status of statuses) {
      const ai = await s.t.ctx.services.ais.create(staff, { name: `badge-${status}-${admin.id}` });
      await s.t.ctx.prisma.ai.update({ where: { id: ai.id }, data: { status } });
    }
    await page.goto(`${s.origin}/admin/resources/Ai`);
    await page.waitForSelector('[data-testid="agora-status-status"]');
    await shot('ai-list-badges');
    const seen: Record<string, { variant: string | null; text: string }> = {};
    const colours: Record<string, string | null> = {};
    for (const status of statuses) {
      const b = await badgeIn(`badge-${status}-${admin.id}`, 'status');
      seen[status] = { variant: b.variant, text: b.text };
      colours[status] = b.colour;
    }
    expect(seen).toEqual({
      failed: { variant: 'danger', text: 'Failed' },
      succeeded: { variant: 'success', text: 'Succeeded' },
      running: { variant: 'info', text: 'Running' },
      queued: { variant: 'default', text: 'Queued' },
    });
    // drawn in different colours, not one grey
    expect(new Set(Object.values(colours)).size).toBe(4);

    const failed = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { name: `badge-failed-${admin.id}` } });
    await page.goto(`${s.origin}/admin/resources/Ai/records/${failed.id}/show`);
    await page.waitForSelector('[data-testid="agora-status-status"]');
    expect(await page.getAttribute('[data-testid="agora-status-status"]', 'data-variant')).toBe('danger');

    const member = await person(s.t, 'user', 'badgeok');
    const banned = await person(s.t, 'user', 'badgebanned');
    await s.t.ctx.prisma.user.update({ where: { id: banned.id }, data: { isBanned: true, bannedAt: new Date(), banReason: 'spam' } });
    const gone = await person(s.t, 'user', 'badgegone');
    await s.t.ctx.services.users.deleteMe({ id: gone.id, role: 'user' }, gone.password);
    const closedName = (await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: gone.id } })).name;
    await page.goto(`${s.origin}/admin/resources/User?perPage=50`);
    await page.waitForSelector('[data-testid="agora-status-isBanned"]');
    await shot('user-list-badges');
    expect(await badgeIn(banned.name, 'isBanned')).toMatchObject({ variant: 'danger', text: 'Yes', badge: true });
    expect(await badgeIn(member.name, 'isBanned')).toMatchObject({ text: 'No', badge: false });
    expect(await badgeIn(closedName, 'deletedAt')).toMatchObject({ variant: 'danger', badge: true });
    expect((await badgeIn(closedName, 'deletedAt')).text).toContain('Closed');
    expect((await badgeIn(member.name, 'deletedAt')).text).toBe('—');

    await page.goto(`${s.origin}/admin/resources/User/records/${banned.id}/show`);
    await page.waitForSelector('[data-testid="agora-status-isBanned"]');
    expect(await page.getAttribute('[data-testid="agora-status-isBanned"]', 'data-variant')).toBe('danger');
    await shot('user-show-banned');
  });
  it('titles pages by the record’s name, in the heading and the browser tab; the menu does not nest a resource under its own name', async () => {
    const board = await s.t.ctx.services.boards.create(staff, { name: `lobby-${admin.id}` });
    const heading = async () => ((await page.textContent('[data-css$="action-header"] h2')) ?? '').trim();
    await page.goto(`${s.origin}/admin/resources/Board/records/${board.id}/show`);
    await page.waitForSelector('[data-css$="action-header"] h2');
    await shot('board-show-title');
    expect({ heading: await heading(), tab: await page.title() }).toEqual({ heading: board.name, tab: `${board.name} · Agora` });
    await page.goto(`${s.origin}/admin/resources/Board/records/${board.id}/edit`);
    await page.waitForSelector('[data-testid="button-save"]');
    expect({ heading: await heading(), tab: await page.title() }).toEqual({ heading: `Edit · ${board.name}`, tab: `Edit · ${board.name} · Agora` });
    await page.goto(`${s.origin}/admin/resources/User/records/${admin.id}/show`);
    await page.waitForSelector('[data-testid="property-show-email"]');
    expect(await heading()).toBe(admin.name);
    // a name i18next would take for placeholders keeps AdminJS's heading; the tab still names it
    const odd = await s.t.ctx.services.boards.create(staff, { name: `{{x}} $t(y) ${admin.id}` });
    await page.goto(`${s.origin}/admin/resources/Board/records/${odd.id}/show`);
    await page.waitForFunction((title) => (globalThis as unknown as { document: { title: string } }).document.title === title, `${odd.name} · Agora`);
    expect(await heading()).toBe('Show');
    await page.goto(`${s.origin}/admin/resources/Board`);
    await page.waitForSelector('table tbody tr');
    // the list's heading is followed by its count
    expect({ heading: await heading(), tab: await page.title() }).toEqual({ heading: expect.stringMatching(/^Boards\d+$/), tab: 'Boards · Agora' });
    await page.goto(`${s.origin}/admin`);
    await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'Agora');

    // the menu: a resource alone in its area is a link of its own, groups are named apart from their resources
    const top = page.locator('[data-css="sidebar-resources"] ul > li > a');
    await top.first().waitFor();
    const entries = await top.evaluateAll((links) =>
      links.map((a) => {
        const link = a as unknown as { textContent: string; getAttribute(name: string): string | null };
        return { text: link.textContent.trim(), href: link.getAttribute('href') };
      }),
    );
    await shot('menu');
    expect(entries).toEqual([
      { text: 'Users', href: '/admin/resources/User' },
      { text: 'Forum', href: null },
      { text: 'Content', href: null },
      { text: 'AI', href: null },
      { text: 'Audit log', href: '/admin/resources/AuditLog' },
    ]);
    // the sidebar is folded away at this width: open the group by script
    await page.locator('[data-css="sidebar-resources"] ul > li > a', { hasText: 'Forum' }).evaluate((a) => (a as unknown as { click(): void }).click());
    const forum = page.locator('[data-css="sidebar-resources"] ul > li', { hasText: 'Forum' }).locator('ul a');
    await forum.first().waitFor();
    expect(await forum.allTextContents()).toEqual(['Boards', 'Board permissions']);
  });
  it('serves the JavaScript as production bundles under hashed names, cached for a year and compressed', async () => {
    const html = await (await page.request.get(`${s.origin}/admin/login`)).text();
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.map((src) => src.replace(/\.[0-9a-f]{16}\.js$/, '.<hash>.js'))).toEqual([
      '/admin/frontend/assets/v/global.<hash>.js',
      '/admin/frontend/assets/v/design-system.<hash>.js',
      '/admin/frontend/assets/v/app.<hash>.js',
      '/admin/frontend/assets/v/components.<hash>.js',
    ]);
    // compressed in the background after start: wait until each is
    for (const src of scripts) {
      await waitFor(`${src} compressed`, async () => (await page.request.get(`${s.origin}${src}`, { headers: { 'accept-encoding': 'br' } })).headers()['content-encoding'] === 'br', browserTimeoutMs);
    }
    const one = await page.request.get(`${s.origin}${scripts[0]}`, { headers: { 'accept-encoding': 'gzip' } });
    expect({ encoding: one.headers()['content-encoding'], cache: one.headers()['cache-control'], vary: one.headers()['vary'] }).toEqual({
      encoding: 'gzip',
      cache: 'public, max-age=31536000, immutable',
      vary: 'Accept-Encoding',
    });
    const again = await page.request.get(`${s.origin}${scripts[0]}`, { headers: { 'if-none-match': one.headers()['etag'] } });
    expect(again.status()).toBe(304);
    expect((await page.request.get(`${s.origin}/admin/frontend/assets/v/global.0000000000000000.js`)).status()).toBe(404);

    // the dashboard in a browser with an empty cache: what its JavaScript weighs on the wire and unpacked
    const fresh = await browser.newContext({ storageState: await page.context().storageState() });
    try {
      const visitor = await fresh.newPage();
      const loaded: Promise<{ url: string; encoding?: string; wire: number; bytes: number }>[] = [];
      visitor.on('response', (r) => {
        if (r.request().resourceType() !== 'script') return;
        loaded.push(
          (async () => ({
            url: new URL(r.url()).pathname,
            encoding: r.headers()['content-encoding'],
            wire: (await r.request().sizes()).responseBodySize,
            bytes: (await r.body()).length,
          }))(),
        );
      });
      await visitor.goto(`${s.origin}/admin`);
      await visitor.waitForSelector('[data-testid="agora-dashboard-title"]');
      const js = await Promise.all(loaded);
      expect(js.map((j) => [j.url, j.encoding]).sort()).toEqual(scripts.map((src) => [src, 'br']).sort());
      const wire = js.reduce((n, j) => n + j.wire, 0);
      const bytes = js.reduce((n, j) => n + j.bytes, 0);
      fs.writeFileSync(path.join(artifacts, 'dashboard-javascript.json'), JSON.stringify({ wire, bytes, js }, null, 2));
      expect(wire).toBeLessThanOrEqual(1_000_000);
    } finally {
      await fresh.close();
    }
  });
  it('keeps the browser console clean on every page: no failed request, no warning, no error', async () => {
    const visitor = await page.context().newPage();
    const heard: string[] = [];
    let pending = 0;
    visitor.on('console', (m) => {
      if (m.type() === 'warning' || m.type() === 'error') heard.push(`${m.type()}: ${m.text()}`);
    });
    visitor.on('pageerror', (e) => heard.push(`pageerror: ${e.message}`));
    visitor.on('request', () => pending++);
    visitor.on('requestfinished', () => pending--);
    visitor.on('requestfailed', (r) => {
      pending--;
      // a request the next navigation cuts short is not a failure of the page
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') heard.push(`failed ${new URL(r.url()).pathname}: ${r.failure()?.errorText}`);
    });
    visitor.on('response', (r) => {
      if (r.status() >= 400) heard.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    // every request the page made has been answered (its console messages come before or with them)
    const settled = () => waitFor('every request of the page answered', () => pending === 0, browserTimeoutMs);
    try {
      // the page as a browser loads it on its own, icon included
      const icon = await visitor.request.get(`${s.origin}/favicon.ico`);
      expect({ status: icon.status(), type: icon.headers()['content-type'] }).toEqual({ status: 200, type: 'image/x-icon' });
      await visitor.goto(`${s.origin}/admin`);
      await visitor.waitForSelector('[data-testid="agora-dashboard-title"]');
      await settled();
      for (const resource of ['User', 'Board', 'UserBoardPermission', 'Post', 'Comment', 'ChatSession', 'Ai', 'AiLog', 'AuditLog']) {
        const listed = visitor.waitForResponse((r) => r.url().includes(`/admin/api/resources/${resource}/actions/list`));
        await visitor.goto(`${s.origin}/admin/resources/${resource}`);
        await visitor.waitForSelector('[data-css$="action-header"] h2');
        await listed;
        await settled();
      }
      await visitor.screenshot({ path: path.join(artifacts, 'console-last-page.png'), fullPage: true });
      expect(heard).toEqual([]);
    } finally {
      await visitor.close();
    }
  });
});
