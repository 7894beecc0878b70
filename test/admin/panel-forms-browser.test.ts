// The panel's pages and forms tell the truth, in a real headless Chromium against a real api: an AI model's
// metrics and an AI log's input and result are rendered; the AI create form states the service's dataset
// rule and takes the target and feature columns; a board can be created hidden or disabled; only what the
// access rules allow is offered (ban, reset, roles, grant picker) and closed accounts show as closed; the
// audit log names actor, address and target; the sign-in page is worded alike. Screenshots of every screen
// go to .test-tmp/artifacts/admin-forms.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import { startAiWorkers } from '../../ai-worker/processors.js';
import type { Viewer } from '../../src/access/index.js';
import { PASSWORD } from '../helpers/auth.js';
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
  /** Whether a form field is shown as required: the asterisk of its label, or the browser's own check. */
  const markedRequired = async (field: string) => {
    type Window = { getComputedStyle(element: unknown, pseudo: string): { content: string } };
    const asterisk = await page.locator(`label[for="${field}"]`).evaluate((label) => (globalThis as unknown as Window).getComputedStyle(label, '::before').content);
    return asterisk === '"*"' || (await page.locator(`[name="${field}"]`).getAttribute('required')) !== null;
  };

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
  it('creates an AI model with the rule the service applies: target column y unless Target names one', async () => {
    // price = 1000·size + 5000·rooms + a little noise; no column named y
    const lines = ['size,rooms,price'];
    for (let i = 0; i < 12; i++) lines.push(`${50 + i * 7},${1 + ((i * 3) % 5)},${1000 * (50 + i * 7) + 5000 * (1 + ((i * 3) % 5)) + ((i * 13) % 7)}`);
    const dataset = lines.join('\n');
    const name = `houses-${admin.id}`;
    const save = () => page.click('[data-testid="button-save"]');
    const fieldText = (field: string) => text(`[data-testid="property-edit-${field}"]`);
    const fieldError = (field: string, what: string) => waitFor(`the ${field} field to say ${what}`, async () => (await fieldText(field)).includes(what), browserTimeoutMs, 50);

    await page.goto(`${s.origin}/admin/resources/Ai/actions/new`);
    await page.waitForSelector('[data-testid="button-save"]');
    await shot('ai-create-form');
    const hint = await text('[data-testid="agora-help-datasetCsv"]');
    expect(hint).toContain('predicts the column named in Target (y when Target is empty)');
    expect(hint).not.toContain('last column');
    for (const field of ['target', 'features']) expect(await page.locator(`input[name="${field}"]`).count()).toBe(1);
    // the description may be left empty: not marked required (the name is)
    expect(await markedRequired('name')).toBe(true);
    expect(await markedRequired('description')).toBe(false);

    await page.fill('input[name="name"]', name);
    await page.fill('textarea[name="datasetCsv"]', dataset);
    await save();
    await fieldError('datasetCsv', 'The header has no target column y');
    await shot('ai-create-no-target');

    // a column name the service refuses (schemas.ts) is an error on that field
    await page.fill('input[name="target"]', 'p'.repeat(65));
    await save();
    await fieldError('target', 'target must be at most 64 characters');
    await page.fill('input[name="target"]', 'price');
    await page.fill('input[name="features"]', 'size, baths');
    await save();
    await fieldError('datasetCsv', 'The header has no feature column baths');
    await shot('ai-create-errors');
    expect(await s.t.ctx.prisma.ai.count({ where: { name } })).toBe(0);

    await page.fill('input[name="features"]', 'rooms, size');
    await save();
    await page.waitForURL(/\/admin\/resources\/Ai\/records\/\d+\/show/);
    const ai = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { name } });
    const workers = await startAiWorkers(s.t.ctx);
    try {
      const trained = await waitFor(
        'the model to be trained',
        async () => {
          const view = await s.t.ctx.services.ais.get(staff, ai.id);
          return view.isAvailable || view.status === 'failed' ? view : null;
        },
        browserTimeoutMs,
        100,
      );
      expect({ status: trained.status, features: trained.features, target: trained.target }).toEqual({ status: 'succeeded', features: ['rooms', 'size'], target: 'price' });
    } finally {
      await workers.close();
    }
    await page.reload();
    await page.waitForSelector('[data-testid="agora-metric-coefficients"]');
    expect(await page.locator('[data-testid="agora-metric-coefficients"] tbody tr td:first-child').allTextContents()).toEqual(['rooms', 'size', '(intercept)']);
    await shot('ai-created-from-csv');
  });
  it('creates boards hidden or disabled from the panel: the form starts from the true defaults', async () => {
    // the page's own requests (the menu's counts among them) answered before the form is used: what they
    // bring re-renders the page, and a click landing in that re-render could be undone by it
    const pending = new Set<unknown>();
    page.on('request', (r) => pending.add(r));
    page.on('requestfinished', (r) => pending.delete(r));
    page.on('requestfailed', (r) => pending.delete(r));
    const create = async (name: string, untick: string[]) => {
      await page.goto(`${s.origin}/admin/resources/Board/actions/new`);
      await page.waitForSelector('[data-testid="button-save"]');
      await waitFor('the defaults to be ticked', async () => (await page.isChecked('#isVisible')) && (await page.isChecked('#isAvailable')), browserTimeoutMs, 50);
      await waitFor('every request of the page answered', () => pending.size === 0, browserTimeoutMs, 50);
      expect({
        name: await markedRequired('name'),
        information: await markedRequired('information'),
        isVisible: await markedRequired('isVisible'),
        isAvailable: await markedRequired('isAvailable'),
      }).toEqual({
        name: true,
        information: false,
        isVisible: false,
        isAvailable: false,
      });
      await page.fill('input[name="name"]', name);
      for (const field of untick) await page.click(`label[for="${field}"]`);
      for (const field of untick) await waitFor(`${field} unticked`, async () => !(await page.isChecked(`#${field}`)), browserTimeoutMs, 50);
      await shot(`board-create-${untick.join('-') || 'defaults'}`);
      await page.click('[data-testid="button-save"]');
      await page.waitForURL(/\/admin\/resources\/Board\/records\/\d+\/show/);
      return s.t.ctx.prisma.board.findUniqueOrThrow({ where: { name }, select: { id: true, isVisible: true, isAvailable: true, information: true } });
    };
    expect(await create(`hidden-${admin.id}`, ['isVisible'])).toMatchObject({ isVisible: false, isAvailable: true, information: '' });
    expect(await create(`disabled-${admin.id}`, ['isAvailable'])).toMatchObject({ isVisible: true, isAvailable: false });
    const open = await create(`open-${admin.id}`, []);
    expect(open).toMatchObject({ isVisible: true, isAvailable: true });

    // an existing board's form shows its own values
    const hidden = await s.t.ctx.prisma.board.findUniqueOrThrow({ where: { name: `hidden-${admin.id}` } });
    await page.goto(`${s.origin}/admin/resources/Board/records/${hidden.id}/edit`);
    await page.waitForSelector('[data-testid="button-save"]');
    expect({ visible: await page.isChecked('#isVisible'), available: await page.isChecked('#isAvailable') }).toEqual({ visible: false, available: true });
    await shot('board-edit-hidden');
  });
  it('offers only what the operator may do, as the access rules decide', async () => {
    const member = await person(s.t, 'user', 'plain');
    const superuser = await person(s.t, 'superuser', 'root');
    const banned = await person(s.t, 'user', 'plainbanned');
    await s.t.ctx.prisma.user.update({ where: { id: banned.id }, data: { isBanned: true, bannedAt: new Date(), banReason: 'spam' } });
    const gone = await person(s.t, 'user', 'plaingone');
    await s.t.ctx.services.users.deleteMe({ id: gone.id, role: 'user' }, gone.password);
    const closedName = (await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: gone.id } })).name;
    const actions = async (id: number) => {
      await page.goto(`${s.origin}/admin/resources/User/records/${id}/show`);
      await page.waitForSelector('[data-testid="property-show-email"]');
      return (await page.locator('[data-testid^="action-"]').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { testid: string } }).dataset.testid.slice('action-'.length)))).sort();
    };
    expect(await actions(member.id)).toEqual(expect.arrayContaining(['ban', 'resetPassword', 'edit']));
    await shot('user-show-member');
    for (const [who, id] of [
      ['oneself', admin.id],
      ['a superuser', superuser.id],
    ] as const) {
      const offered = await actions(id);
      expect({ who, ban: offered.includes('ban'), reset: offered.includes('resetPassword') }).toEqual({ who, ban: false, reset: false });
    }
    await shot('user-show-superuser');
    expect(await actions(gone.id)).not.toEqual(expect.arrayContaining(['ban']));

    // an admin may not change roles: the role is shown, fixed, with the rule's reason
    await page.goto(`${s.origin}/admin/resources/User/records/${member.id}/edit`);
    await page.waitForSelector('[data-testid="agora-choice-role-note"]');
    expect(await text('[data-testid="agora-choice-role-note"]')).toBe('Only a superuser may change roles.');
    await shot('user-edit-role-fixed');

    // a superuser is offered user and admin, never superuser (made only from the terminal)
    const rootPage = await browser.newPage();
    try {
      await rootPage.goto(`${s.origin}/admin/login`);
      await rootPage.fill('input[name="email"]', superuser.name);
      await rootPage.fill('input[name="password"]', superuser.password);
      await Promise.all([rootPage.waitForNavigation(), rootPage.click('form button')]);
      await rootPage.goto(`${s.origin}/admin/resources/User/records/${member.id}/edit`);
      await rootPage.waitForSelector('[data-testid="agora-choice-role"]');
      await rootPage.click('[data-testid="agora-choice-role"] input');
      await rootPage.waitForSelector('[id*="-option-"]');
      expect(await rootPage.locator('[id*="-option-"]').allTextContents()).toEqual(['user', 'admin']);
      await rootPage.screenshot({ path: path.join(artifacts, 'user-edit-role-superuser.png'), fullPage: true });
    } finally {
      await rootPage.close();
    }

    // the grant picker lists open, unbanned accounts only
    await page.goto(`${s.origin}/admin/resources/UserBoardPermission/actions/new`);
    await page.waitForSelector('#agora-grantee-input');
    await page.fill('#agora-grantee-input', 'plain');
    await waitFor('the picker to list the member', async () => (await page.locator('[id*="-option-"]').allTextContents()).some((t) => t.startsWith(member.name)), browserTimeoutMs, 50);
    const listed = await page.locator('[id*="-option-"]').allTextContents();
    await shot('grant-picker');
    expect(listed.some((t) => t.startsWith(banned.name) || t.startsWith(closedName))).toBe(false);
    await page.fill('#agora-grantee-input', 'deleted_');
    await waitFor('the picker to answer', async () => (await text('[data-testid="agora-grantee"]')).includes('No options'), browserTimeoutMs, 50);

    // closed accounts: a column and a filter
    await page.goto(`${s.origin}/admin/resources/User?filters.deletedAt~~from=2000-01-01`);
    await page.waitForSelector('table tbody tr');
    expect(await text('table thead')).toContain('Closed');
    const rows = await page.locator('table tbody tr').allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(closedName);
    await shot('user-list-closed');
  });
  it('records the actor’s id and name and the client address for operator actions, from the panel and the API', async () => {
    const API = '/api/v1';
    const name = `writer${admin.id}x${Date.now() % 100000}`;
    const signup = await request(s.origin)
      .post(`${API}/users`)
      .send({ name, email: `${name}@example.com`, password: PASSWORD });
    expect(signup.status).toBe(201);
    const writer = signup.body as { id: number };
    const memberToken = (await request(s.origin).post(`${API}/auth/login`).send({ name, password: PASSWORD })).body.access_token as string;
    const adminToken = (await request(s.origin).post(`${API}/auth/login`).send({ name: admin.name, password: admin.password })).body.access_token as string;

    // from the API: a board, and a member's post on it
    const board = await request(s.origin)
      .post(`${API}/boards`)
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ name: `audited-${admin.id}` });
    expect(board.status).toBe(201);
    const post = await request(s.origin).post(`${API}/boards/${board.body.id}/posts`).set('Authorization', `Bearer ${memberToken}`).send({ name: 'hello', content: 'world' });
    expect(post.status).toBe(201);

    // from the panel: hide the board (edit form), grant it, hide the post, ban the member, create and train a model
    const submit = () => page.click('[data-testid="agora-action-submit"]');
    await page.goto(`${s.origin}/admin/resources/Board/records/${board.body.id}/edit`);
    await page.waitForSelector('[data-testid="button-save"]');
    await waitFor('the form to show the board', async () => page.isChecked('#isVisible'), browserTimeoutMs, 50);
    await page.click('label[for="isVisible"]');
    await page.click('[data-testid="button-save"]');
    await page.waitForURL((u) => u.pathname === `/admin/resources/Board/records/${board.body.id}/show`);
    await page.goto(`${s.origin}/admin/resources/Board/records/${board.body.id}/grantAccess`);
    await page.waitForSelector('#agora-add');
    await page.fill('#agora-add', name);
    await submit();
    await page.waitForURL((u) => u.pathname === `/admin/resources/Board/records/${board.body.id}/show`);
    await page.goto(`${s.origin}/admin/resources/Post/records/${post.body.id}/hide`);
    await page.waitForSelector('[data-testid="agora-action-form"]');
    await submit();
    await page.waitForURL((u) => u.pathname === `/admin/resources/Post/records/${post.body.id}/show`);
    await page.goto(`${s.origin}/admin/resources/User/records/${writer.id}/ban`);
    await page.waitForSelector('#agora-reason');
    await page.fill('#agora-reason', 'spam');
    await submit();
    await page.waitForURL((u) => u.pathname === `/admin/resources/User/records/${writer.id}/show`);
    await page.goto(`${s.origin}/admin/resources/Ai/actions/new`);
    await page.waitForSelector('[data-testid="button-save"]');
    await page.fill('input[name="name"]', `audited-${admin.id}`);
    await page.click('[data-testid="button-save"]');
    await page.waitForURL(/\/admin\/resources\/Ai\/records\/\d+\/show/);
    const ai = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { name: `audited-${admin.id}` } });
    await s.t.ctx.prisma.ai.update({ where: { id: ai.id }, data: { status: 'failed' } }); // a queued model is not trained again
    await page.goto(`${s.origin}/admin/resources/Ai/records/${ai.id}/train`);
    await page.waitForSelector('[data-testid="agora-action-form"]');
    await submit();
    await page.waitForURL((u) => u.pathname === `/admin/resources/Ai/records/${ai.id}/show`);

    const last = async (action: string) => (await s.t.ctx.audit.query({ action, limit: 1 })).items[0];
    const seen: Record<string, unknown> = {};
    for (const action of ['board.created', 'board.hidden', 'grant.added', 'post.hidden', 'user.banned', 'ai.created', 'ai.train_requested']) {
      const e = await last(action);
      seen[action] = e && { actorId: e.actorId, actorName: e.actorName, ip: Boolean(e.ip) };
    }
    const operator = { actorId: admin.id, actorName: admin.name, ip: true };
    expect(seen).toEqual({
      'board.created': operator,
      'board.hidden': operator,
      'grant.added': operator,
      'post.hidden': operator,
      'user.banned': operator,
      'ai.created': operator,
      'ai.train_requested': operator,
    });
    const joined = await last('user.signup');
    expect({ actorId: joined.actorId, actorName: joined.actorName, ip: Boolean(joined.ip) }).toEqual({ actorId: writer.id, actorName: name, ip: true });

    // the log shows targets by name, linking to their page, and details as fields
    await page.goto(`${s.origin}/admin/resources/AuditLog?filters.action=grant.added`);
    await page.waitForSelector('table tbody tr [data-testid="agora-audit-target"]');
    const target = page.locator('table tbody tr').first().locator('[data-testid="agora-audit-target"]');
    expect(await target.textContent()).toBe(`audited-${admin.id}`);
    expect(await target.getAttribute('href')).toBe(`/admin/resources/Board/records/${board.body.id}/show`);
    await shot('audit-list');
    await page.goto(`${s.origin}/admin/resources/AuditLog?filters.action=user.banned`);
    await page.waitForSelector('table tbody tr');
    await page.locator('table tbody tr').first().locator('td').nth(1).click();
    await page.waitForSelector('[data-testid="agora-audit-detail-reason"]');
    expect(await page.locator('[data-testid="agora-audit-detail-reason"] > *').allTextContents()).toEqual(['reason', 'spam']);
    expect(await text('[data-testid="agora-audit-target"]')).toBe(name);
    await shot('audit-show');
  });
  it('words the sign-in page and its error alike: name or email', async () => {
    const visitor = await browser.newPage();
    try {
      await visitor.goto(`${s.origin}/admin/login`);
      await visitor.fill('input[name="email"]', admin.name);
      await visitor.fill('input[name="password"]', 'Wrong!Passw0rd');
      await Promise.all([visitor.waitForNavigation(), visitor.click('form button')]);
      const body = (await visitor.textContent('form')) ?? '';
      await visitor.screenshot({ path: path.join(artifacts, 'login-refused.png'), fullPage: true });
      expect(body).toContain('Name or email');
      expect(body).toContain('Wrong name or email, or wrong password');
      expect(body).not.toContain('Wrong email and/or password');
    } finally {
      await visitor.close();
    }
  });
});
