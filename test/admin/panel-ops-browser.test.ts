// The operators' screens in a real headless Chromium over a real api: the moderation queue (a member reports a
// post through the API, the operator sees it grouped with its reports and the post inline, hides it from the
// panel; the post is gone for members and the reporter sees the outcome; a ban without a reason is refused and
// leaves the reports open) and the dashboard (its 30-day charts drawn from the seeded rows, its counters linking
// to the lists). Screenshots go to .test-tmp/artifacts/admin-ops.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import request from 'supertest';
import type { Viewer } from '../../src/access/index.js';
import { API } from '../helpers/auth.js';
import { tmpRoot } from '../helpers/db.js';
import { browserTimeoutMs } from '../helpers/process.js';
import { seedActivity, type SeededActivity } from '../stats/seed.js';
import { browserAvailable, launchPanelBrowser, signIn, type PanelBrowser } from './browser.js';
import { person, startAdminSuite, type AdminSuite, type Person } from './setup.js';

jest.setTimeout(4 * browserTimeoutMs);

const artifacts = path.join(tmpRoot, 'artifacts', 'admin-ops');

(browserAvailable ? describe : describe.skip)('operators’ screens in headless Chromium', () => {
  let s: AdminSuite;
  let b: PanelBrowser;
  let page: Page;
  let admin: Person;
  let author: Person;
  let reporter: Person;
  let second: Person;
  let staff: Viewer;
  let boardId: number;
  const tokens = new Map<number, string>();
  const shot = (name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

  /** A member's API call with their bearer token. */
  const as = async (who: Person, method: 'get' | 'post', url: string, body?: object) => {
    if (!tokens.has(who.id)) {
      const res = await request(s.origin).post(`${API}/auth/login`).send({ name: who.name, password: who.password });
      expect(res.status).toBe(200);
      tokens.set(who.id, res.body.access_token as string);
    }
    const agent = request(s.origin);
    const req = (method === 'get' ? agent.get(`${API}${url}`) : agent.post(`${API}${url}`)).set('Authorization', `Bearer ${tokens.get(who.id)}`);
    return body ? req.send(body) : req;
  };

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    s = await startAdminSuite({ REPORT_RATE_LIMIT: '1000' });
    admin = await person(s.t, 'admin');
    [author, reporter, second] = [await person(s.t, 'user', 'author'), await person(s.t, 'user', 'reporter'), await person(s.t, 'user', 'second')];
    staff = { id: admin.id, role: 'admin' };
    boardId = (await s.t.ctx.services.boards.create(staff, { name: `ops-${admin.id}` })).id;
    b = await launchPanelBrowser();
    page = b.page;
    // wide and tall enough for the menu and the whole dashboard (the panel scrolls inside its own frame)
    await page.setViewportSize({ width: 1600, height: 2200 });
    await signIn(page, s.origin, admin);
  }, 4 * browserTimeoutMs);

  afterAll(async () => {
    await b?.browser.close();
    await s?.stop();
  });

  const group = (key: string) => page.locator(`[data-testid="queue-group"][data-target="${key}"]`);
  const resolved = () => page.waitForResponse((r) => r.url().endsWith('/admin/api/pages/moderation') && r.request().method() === 'POST');

  it('a reported post shows in the queue with its reports; hiding it from the panel hides it for members', async () => {
    const created = await as(author, 'post', `/boards/${boardId}/posts`, { name: 'Cheap watches', content: 'buy cheap watches at example.test' });
    expect(created.status).toBe(201);
    const postId = created.body.id as number;
    const comment = await as(author, 'post', `/posts/${postId}/comments`, { content: 'and more watches' });
    expect(comment.status).toBe(201);
    const first = await as(reporter, 'post', '/reports', { targetType: 'post', targetId: postId, reason: 'spam', note: 'the same link everywhere' });
    expect(first.status).toBe(201);
    expect((await as(second, 'post', '/reports', { targetType: 'post', targetId: postId, reason: 'illegal' })).status).toBe(201);
    expect((await as(second, 'post', '/reports', { targetType: 'comment', targetId: comment.body.id, reason: 'spam' })).status).toBe(201);

    await page.goto(`${s.origin}/admin/pages/moderation`);
    await group(`post:${postId}`).waitFor();
    // newest first: the comment was reported last
    expect(await page.locator('[data-testid="queue-group"]').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: Record<string, string> }).dataset.target))).toEqual([
      `comment:${comment.body.id}`,
      `post:${postId}`,
    ]);
    const post = group(`post:${postId}`);
    expect(await post.locator('[data-testid="queue-content"]').textContent()).toContain('Cheap watches');
    expect(await post.locator('[data-testid="queue-content"]').textContent()).toContain('buy cheap watches at example.test');
    expect(await post.locator('[data-testid="queue-author"]').textContent()).toContain(author.name);
    const reports = await post.locator('[data-testid="queue-report"]').allTextContents();
    expect(reports).toHaveLength(2);
    expect(reports[0]).toContain(second.name);
    expect(reports[0]).toContain('illegal');
    expect(reports[1]).toContain(reporter.name);
    expect(reports[1]).toContain('the same link everywhere');
    // the menu counts the open reports
    await page.locator('text=Moderation (3)').first().waitFor();
    expect(await page.textContent('[data-testid="queue-open"]')).toContain('3 open');
    await shot('moderation-queue');

    // a ban needs a reason: the service refuses, the form says so, the reports stay open
    const refused = resolved();
    await group(`comment:${comment.body.id}`).locator('[data-testid="resolve-ban"]').click();
    expect((await (await refused).json()).error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'reason', code: 'required' }] });
    await group(`comment:${comment.body.id}`).locator('[data-testid="resolve-reason-error"]').waitFor();
    expect(await s.t.ctx.prisma.report.count({ where: { targetType: 'comment', targetId: comment.body.id, status: 'open' } })).toBe(1);
    expect((await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: author.id } })).isBanned).toBe(false);
    await shot('moderation-ban-refused');

    const hidden = resolved();
    await post.locator('[data-testid="resolve-hide"]').click();
    expect((await hidden).status()).toBe(200);
    await post.waitFor({ state: 'detached' });
    await page.locator('text=Moderation (1)').first().waitFor();
    await shot('moderation-after-hide');

    // gone for members, still there for its author's moderators
    expect((await as(reporter, 'get', `/boards/${boardId}/posts/${postId}`)).status).toBe(404);
    expect((await s.t.ctx.prisma.post.findUniqueOrThrow({ where: { id: postId } })).isVisible).toBe(false);
    // both reporters see the outcome
    const mine = await as(reporter, 'get', '/reports/mine');
    expect(mine.status).toBe(200);
    expect(mine.body.items[0]).toMatchObject({ id: first.body.id, status: 'hidden', resolvedAt: expect.any(String) });
    const theirs = (await as(second, 'get', '/reports/mine')).body.items as { targetType: string; status: string }[];
    expect(theirs.find((r) => r.targetType === 'post')).toMatchObject({ status: 'hidden' });
    // audited as the API's resolve is: by the operator, from their address
    const events = await s.t.ctx.audit.query({ action: 'report.resolved', limit: 10 });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({ actorId: admin.id, targetType: 'post', targetId: String(postId), details: { action: 'hide', reports: 2 } });
    expect(events.items[0].ip).toEqual(expect.any(String));
  });

  it('the dashboard draws the last 30 days from the database, and its counters link to the lists', async () => {
    const seeded: SeededActivity = await seedActivity(s.t.ctx.prisma, new Date());
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/api/dashboard');
    await page.goto(`${s.origin}/admin`);
    const data = (await (await answer).json()) as {
      openReports: number;
      activity: { days: string[]; series: Record<string, number[]> };
      recentActions: { action: string; actorId: number }[];
    };
    const { days, series } = data.activity;
    expect(days).toHaveLength(30);
    const today = days[29];
    for (const [name, want] of Object.entries(seeded.expected)) {
      // the earlier days hold only the seeded rows; today also what the first test did
      const past = days.slice(0, 29).map((d) => want.get(d) ?? 0);
      expect({ name, counts: series[name].slice(0, 29) }).toEqual({ name, counts: past });
    }
    const since = new Date(`${today}T00:00:00Z`);
    expect(series.posts[29]).toBe(await s.t.ctx.prisma.post.count({ where: { createDate: { gte: since } } }));
    expect(series.signups[29]).toBe(await s.t.ctx.prisma.user.count({ where: { joinDate: { gte: since } } }));
    expect(data.openReports).toBe(1);
    // the operator's actions, not their sign-in
    expect(data.recentActions.map((a) => a.action)).toEqual(['report.resolved', 'post.hidden', 'board.created']);
    expect(data.recentActions.every((a) => a.actorId === admin.id)).toBe(true);

    for (const name of Object.keys(seeded.expected)) {
      const canvas = page.locator(`[data-testid="chart-${name}-canvas"]`);
      await canvas.waitFor();
      expect(await page.textContent(`[data-testid="chart-${name}-total"]`)).toBe(`${series[name].reduce((x, y) => x + y, 0)} in 30 days`);
      // chart.js drew on it: some pixels are not transparent
      const painted = await canvas.evaluate((el) => {
        const c = el as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
        return n;
      });
      expect(painted).toBeGreaterThan(100);
    }
    await page.locator('[data-testid="recent-action"]').first().waitFor();
    await shot('dashboard');

    // each counter is a link to its list, open reports to the queue
    expect(await page.getAttribute('[data-testid="count-banned-link"]', 'href')).toBe('/admin/resources/User?filters.isBanned=true');
    await page.click('[data-testid="count-open-reports-link"]');
    await page.locator('[data-testid="agora-moderation"] [data-testid="queue-group"]').first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/pages/moderation');
  });
});
