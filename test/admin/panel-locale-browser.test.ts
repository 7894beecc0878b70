// The panel in Korean and English, in a real headless Chromium against a real api: an operator whose browser
// asks for Korean (Accept-Language: ko-KR) and who chose nothing gets the sign-in page and every resource's
// list page in Korean; the top bar's switch changes to English and back, and the choice is saved on the
// account, where it wins over the browser's (a browser asking for English still gets Korean). Screenshots go
// to .test-tmp/artifacts/admin-locale.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { tmpRoot } from '../helpers/db.js';
import { browserTimeoutMs } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import { person, startAdminSuite, type AdminSuite, type Person } from './setup.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(executablePath);
if (!available && process.env.CI) throw new Error(`browser tests need Chromium at ${executablePath} (set CHROMIUM_PATH)`);

jest.setTimeout(6 * browserTimeoutMs);

const artifacts = path.join(tmpRoot, 'artifacts', 'admin-locale');

/** Per resource: its Korean and English titles, and a column label in each (the table's header). */
const pages = [
  { id: 'User', ko: '회원', en: 'Users', koColumn: '이메일', enColumn: 'Email', creates: false },
  { id: 'Board', ko: '게시판', en: 'Boards', koColumn: '사용 가능', enColumn: 'Is Available', creates: true },
  { id: 'UserBoardPermission', ko: '게시판 권한', en: 'Board permissions', koColumn: '부여일', enColumn: 'Create Date', creates: true },
  { id: 'Post', ko: '게시글', en: 'Posts', koColumn: '작성자', enColumn: 'Author', creates: false },
  { id: 'Comment', ko: '댓글', en: 'Comments', koColumn: '작성자', enColumn: 'Author', creates: false },
  { id: 'ChatSession', ko: '채팅방', en: 'Chat sessions', koColumn: '만든 사람', enColumn: 'Creator', creates: false },
  { id: 'Ai', ko: 'AI 모델', en: 'AI models', koColumn: '상태', enColumn: 'Status', creates: true },
  { id: 'AiLog', ko: 'AI 기록', en: 'AI logs', koColumn: '상태', enColumn: 'Status', creates: false },
  { id: 'AuditLog', ko: '감사 로그', en: 'Audit log', koColumn: '수행자', enColumn: 'Actor Name', creates: false },
] as const;

(available ? describe : describe.skip)('admin panel in Korean and English in headless Chromium', () => {
  let s: AdminSuite;
  let browser: Browser;
  let admin: Person;
  const contexts: BrowserContext[] = [];
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

  /** A browser whose every request asks for `acceptLanguage`. */
  const open = async (acceptLanguage: string) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: acceptLanguage.split(',')[0], extraHTTPHeaders: { 'Accept-Language': acceptLanguage } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(browserTimeoutMs);
    return page;
  };

  const signIn = async (page: Page) => {
    await page.fill('input[name="email"]', admin.name);
    await page.fill('input[name="password"]', admin.password);
    await Promise.all([page.waitForNavigation(), page.click('form button')]);
  };

  const localeOnAccount = async () => (await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: admin.id }, select: { locale: true } })).locale;

  /** A resource's list page, once its table (or its "no records" box) is there. */
  const list = async (page: Page, id: string) => {
    await page.goto(`${s.origin}/admin/resources/${id}`);
    await page.waitForSelector('table thead');
  };

  /** The top bar's language switch: picks `label` and waits for the account to be saved. */
  const switchTo = async (page: Page, current: string, label: string) => {
    // AdminJS's drop-down opens on hover; its items follow the trigger
    await page.locator('[data-css="topbar"] button', { hasText: current }).hover();
    const saved = page.waitForResponse((r) => r.url().endsWith('/admin/language') && r.request().method() === 'POST');
    await page.locator('[data-css="topbar"]').getByText(label, { exact: true }).last().click();
    expect((await saved).status()).toBe(200);
  };

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    s = await startAdminSuite();
    admin = await person(s.t, 'admin');
    // something in every list (the table's header shows only above rows)
    const staff = { id: admin.id, role: 'admin' as const };
    const db = s.t.ctx.prisma;
    const board = await s.t.ctx.services.boards.create(staff, { name: `locale-${admin.id}` });
    await s.t.ctx.services.users.setBoards(staff, admin.id, [board.id]);
    const post = await db.post.create({ data: { boardId: board.id, authorId: admin.id, name: '안녕하세요', content: '첫 글' } });
    await db.comment.create({ data: { postId: post.id, authorId: admin.id, content: '댓글입니다' } });
    await db.chatSession.create({ data: { creatorId: admin.id, name: '잡담' } });
    const ai = await db.ai.create({ data: { name: `locale-ai-${admin.id}`, createdById: admin.id } });
    await db.aiLog.create({ data: { userId: admin.id, aiId: ai.id, input: [[1, 2]] } });
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 4 * browserTimeoutMs);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.stop();
  });

  it('speaks Korean to a browser asking for it: the sign-in page and every list page, titles, columns and buttons', async () => {
    expect(await localeOnAccount()).toBeNull();
    const page = await open('ko-KR,ko;q=0.9,en-US;q=0.8');
    await page.goto(`${s.origin}/admin/login`);
    await page.waitForSelector('input[name="email"]');
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    const login = await page.innerText('body');
    expect(login).toContain('이름 또는 이메일');
    expect(login).toContain('비밀번호');
    await shot(page, 'login-ko');
    // a refused sign-in says why in Korean
    await page.fill('input[name="email"]', admin.name);
    await page.fill('input[name="password"]', 'wrong password');
    await Promise.all([page.waitForNavigation(), page.click('form button')]);
    await page.waitForSelector('input[name="email"]');
    expect(await page.innerText('body')).toContain('이름 또는 이메일, 혹은 비밀번호가 올바르지 않습니다');
    await signIn(page);

    for (const p of pages) {
      await list(page, p.id);
      await waitFor(`${p.id} titled ${p.ko}`, async () => (await page.title()) === `${p.ko} · Agora`, browserTimeoutMs);
      const text = await page.innerText('main, [data-css="app-content"], body');
      expect(text).toContain(p.koColumn);
      expect(text).toContain('필터');
      if (p.creates) expect(text).toContain('새로 만들기');
      expect(text).not.toContain('Filter');
      expect(text).not.toContain('Create new');
      await shot(page, `list-${p.id}-ko`);
    }
    // the menu names the groups and resources in Korean
    const menu = await page.innerText('[data-css="sidebar"]');
    for (const word of ['회원', '포럼', '콘텐츠', '감사 로그']) expect(menu).toContain(word);
    // an action form and its help text
    await page.goto(`${s.origin}/admin/resources/Board`);
    await page.waitForSelector('table tbody tr');
    await page.goto(`${s.origin}/admin/resources/Board/records/${(await s.t.ctx.prisma.board.findFirstOrThrow({ where: { name: `locale-${admin.id}` } })).id}/grantAccess`);
    await page.waitForSelector('[data-testid="agora-action-form"]');
    const form = await page.innerText('[data-testid="agora-action-form"]');
    expect(form).toContain('권한이 있는 회원은');
    expect(form).toContain('권한 저장');
    await shot(page, 'grant-access-ko');
    // nothing saved on the account by merely reading
    expect(await localeOnAccount()).toBeNull();
  });

  it('switches to English and back from the top bar, saving each choice on the account', async () => {
    const page = await open('ko-KR');
    await page.goto(`${s.origin}/admin/login`);
    await signIn(page);
    await list(page, 'User');
    await switchTo(page, '한국어', 'English');
    expect(await localeOnAccount()).toBe('en');
    await waitFor('menu in English', async () => (await page.innerText('[data-css="sidebar"]')).includes('Users'), browserTimeoutMs);
    // the server now speaks English to this operator, whatever the browser asks for
    for (const p of pages) {
      await list(page, p.id);
      await waitFor(`${p.id} titled ${p.en}`, async () => (await page.title()) === `${p.en} · Agora`, browserTimeoutMs);
      expect(await page.innerText('body')).toContain(p.enColumn);
    }
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await shot(page, 'list-AuditLog-en');
    await switchTo(page, 'English', '한국어');
    expect(await localeOnAccount()).toBe('ko');
    await list(page, 'Board');
    await waitFor('Korean again', async () => (await page.title()) === '게시판 · Agora', browserTimeoutMs);
    await shot(page, 'list-Board-ko-again');
  });

  it('keeps the account setting over the browser: an English browser gets Korean after sign-in', async () => {
    expect(await localeOnAccount()).toBe('ko');
    const page = await open('en-US,en;q=0.9');
    await page.goto(`${s.origin}/admin/login`);
    await page.waitForSelector('input[name="email"]');
    // before sign-in only the browser is known
    expect(await page.innerText('body')).toContain('Name or email');
    await signIn(page);
    await list(page, 'Post');
    await waitFor('Korean from the account', async () => (await page.title()) === '게시글 · Agora', browserTimeoutMs);
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    await shot(page, 'list-Post-ko-from-account');
  });
});
