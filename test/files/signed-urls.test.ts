// Signed attachment URLs: a post's files[].url loads in a real headless Chromium as an <img> embedded by a page of
// another origin, with no Authorization header; it stops working once it expires and once its viewer is banned,
// and is refused with a changed signature, viewer, expiry or file. Losing access to the post (revoked grant,
// hidden board, hidden or deleted post) ends it like a missing file. The header-authenticated download stays.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import request from 'supertest';
import { startApi, type RunningApi } from '../../src/api-server.js';
import { FileUrls } from '../../src/files/signed-urls.js';
import { API, expectProblem } from '../helpers/auth.js';
import { browserTimeoutMs } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import { actor, call, createBoard, startSuite, type Actor, type Suite } from '../boards/setup.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(executablePath);
if (!available && process.env.CI) throw new Error(`browser tests need Chromium at ${executablePath} (set CHROMIUM_PATH)`);

// short enough to wait for, long enough for a busy machine to load an image well before it ends
const TTL = 20;
jest.setTimeout(4 * browserTimeoutMs + TTL * 1000);

interface FileOut {
  id: string;
  mimeType: string;
  url: string;
}
interface PostOut {
  id: number;
  boardId: number;
  files: FileOut[];
}

let s: Suite;
let api: RunningApi;
let origin: string;
let admin: Actor;
let alice: Actor;
let bob: Actor;
let png: Buffer;

/** A post with one image, written as `who` over multipart. */
async function imagePost(who: Actor, boardId: number): Promise<PostOut> {
  const res = await request(origin)
    .post(`${API}/boards/${boardId}/posts`)
    .set('Authorization', `Bearer ${who.token}`)
    .field('name', 'a picture')
    .field('content', 'look')
    .attach('files', png, { filename: 'picture.png', contentType: 'image/png' });
  expect(res.status).toBe(201);
  return res.body as PostOut;
}

/** The post as `who` reads it (null: anonymous), and its first file's URL. */
async function urlFor(who: Actor | null, post: PostOut): Promise<string> {
  const res = await call(s.app, who, 'get', `/boards/${post.boardId}/posts/${post.id}`);
  expect(res.status).toBe(200);
  return (res.body as PostOut).files[0].url;
}

const fetchUrl = (url: string) => request(origin).get(url);

beforeAll(async () => {
  s = await startSuite({ ANONYMOUS_READ: 'true', FILE_URL_TTL_SECONDS: String(TTL) });
  api = await startApi(s.t.ctx, 0, '127.0.0.1');
  origin = `http://127.0.0.1:${api.port}`;
  admin = await actor(s.t, s.app, 'admin');
  alice = await actor(s.t, s.app);
  bob = await actor(s.t, s.app);
  png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c03030' } })
    .png()
    .toBuffer();
});

afterAll(async () => {
  await api?.stop();
  await s?.t.cleanup();
});

describe('signed URLs over HTTP', () => {
  test('the post gives each reader a URL of their own; it serves the file without a header; the header download stays', async () => {
    const board = await createBoard(s.app, admin);
    const post = await imagePost(alice, board.id);
    const [forAlice, forBob, forAnonymous] = [await urlFor(alice, post), await urlFor(bob, post), await urlFor(null, post)];
    expect(forAlice).toMatch(new RegExp(`^/api/v1/files/${post.files[0].id}/signed\\?exp=\\d+&u=${alice.id}&sig=[\\w-]{43}$`));
    expect(forBob).toContain(`&u=${bob.id}&`);
    expect(forAnonymous).toContain('&u=0&');

    for (const url of [forAlice, forBob, forAnonymous]) {
      const res = await fetchUrl(url).buffer(true);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect(Buffer.compare(res.body as Buffer, png)).toBe(0);
    }
    // expiry between 90% and 100% of the setting
    const exp = Number(new URL(forAlice, origin).searchParams.get('exp'));
    const left = exp - Date.now() / 1000;
    expect(left).toBeGreaterThan(TTL * 0.9 - 5);
    expect(left).toBeLessThanOrEqual(TTL);

    const header = await request(origin).get(`${API}/files/${post.files[0].id}`).set('Authorization', `Bearer ${bob.token}`);
    expect(header.status).toBe(200);
    expect(header.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  test('a changed signature, viewer, expiry or file is refused with 403 file_url_invalid; a missing part is a 400', async () => {
    const board = await createBoard(s.app, admin);
    const post = await imagePost(alice, board.id);
    const other = await imagePost(alice, board.id);
    const url = new URL(await urlFor(bob, post), origin);
    const sig = url.searchParams.get('sig')!;
    const variants: [string, (u: URL) => void][] = [
      ['signature', (u) => u.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1))],
      ['short signature', (u) => u.searchParams.set('sig', sig.slice(0, 20))],
      ['viewer', (u) => u.searchParams.set('u', String(alice.id))],
      ['anonymous', (u) => u.searchParams.set('u', '0')],
      ['expiry', (u) => u.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 3600))],
      ['file', (u) => (u.pathname = `${API}/files/${other.files[0].id}/signed`)],
    ];
    for (const [what, change] of variants) {
      const changed = new URL(url);
      change(changed);
      const res = await fetchUrl(changed.pathname + changed.search);
      expect({ what, status: res.status }).toEqual({ what, status: 403 });
      expectProblem(res, 403, 'file_url_invalid');
    }
    for (const part of ['sig', 'exp', 'u']) {
      const partial = new URL(url);
      partial.searchParams.delete(part);
      const res = await fetchUrl(partial.pathname + partial.search);
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: part })]);
    }
    // the untouched URL still works
    expect((await fetchUrl(url.pathname + url.search)).status).toBe(200);
  });

  test('a URL signed with the right key whose time has passed is refused with 403 file_url_expired', async () => {
    const board = await createBoard(s.app, admin);
    const post = await imagePost(alice, board.id);
    const past = new FileUrls(s.t.ctx.config.jwtSecret, TTL, () => Date.now() - (TTL + 1) * 1000);
    expectProblem(await fetchUrl(past.url(post.files[0].id, 'file', { id: bob.id, role: 'user' })), 403, 'file_url_expired');
    // a key other than the deployment's is not a signature
    const foreign = new FileUrls('another-secret-of-at-least-32-characters!', TTL);
    expectProblem(await fetchUrl(foreign.url(post.files[0].id, 'file', { id: bob.id, role: 'user' })), 403, 'file_url_invalid');
  });

  test('losing access ends the URL: revoked grant, hidden board, hidden post, deleted post (404 file_not_found)', async () => {
    const granted = await createBoard(s.app, admin, { isVisible: false, userIds: [alice.id, bob.id] });
    const onGranted = await imagePost(alice, granted.id);
    const grantUrl = await urlFor(bob, onGranted);
    expect((await fetchUrl(grantUrl)).status).toBe(200);
    expect((await call(s.app, admin, 'put', `/boards/${granted.id}/grants`, { userIds: [alice.id] })).status).toBe(200);
    expectProblem(await fetchUrl(grantUrl), 404, 'file_not_found');
    // the author's own URL of the same file still works
    expect((await fetchUrl(await urlFor(alice, onGranted))).status).toBe(200);

    const board = await createBoard(s.app, admin);
    const onBoard = await imagePost(alice, board.id);
    const anonymousUrl = await urlFor(null, onBoard);
    const boardUrl = await urlFor(bob, onBoard);
    expect((await call(s.app, admin, 'patch', `/boards/${board.id}`, { isVisible: false })).status).toBe(200);
    expectProblem(await fetchUrl(boardUrl), 404, 'file_not_found');
    expectProblem(await fetchUrl(anonymousUrl), 404, 'file_not_found');

    const open = await createBoard(s.app, admin);
    const toHide = await imagePost(alice, open.id);
    const toDelete = await imagePost(alice, open.id);
    const [hideUrl, deleteUrl] = [await urlFor(bob, toHide), await urlFor(bob, toDelete)];
    const staffUrl = await urlFor(admin, toHide);
    expect((await call(s.app, admin, 'patch', `/boards/${open.id}/posts/${toHide.id}`, { isVisible: false })).status).toBe(200);
    expectProblem(await fetchUrl(hideUrl), 404, 'file_not_found');
    // staff still read hidden posts
    expect((await fetchUrl(staffUrl)).status).toBe(200);
    expect((await call(s.app, alice, 'delete', `/boards/${open.id}/posts/${toDelete.id}`)).status).toBe(204);
    expectProblem(await fetchUrl(deleteUrl), 404, 'file_not_found');
  });
});

(available ? describe : describe.skip)('signed URLs in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let pageServer: http.Server;
  let pageOrigin: string;

  /** Loads `url` as an <img> of a page served from another origin; its natural size, or null when it failed. */
  async function loadImage(url: string): Promise<{ width: number; height: number } | null> {
    await page.goto(`${pageOrigin}/?src=${encodeURIComponent(origin + url)}`);
    const result = await page.waitForFunction(() => (globalThis as unknown as { done?: unknown }).done, undefined, { timeout: browserTimeoutMs });
    return (await result.jsonValue()) as { width: number; height: number } | null;
  }

  beforeAll(async () => {
    // a members' app on its own origin: one <img>, reporting whether it loaded
    pageServer = http.createServer((req, res) => {
      const src = new URL(req.url ?? '/', 'http://x').searchParams.get('src') ?? '';
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><img id="i" src="${src.replace(/"/g, '&quot;')}" onload="window.done={width:this.naturalWidth,height:this.naturalHeight}" onerror="window.done='failed'">`);
    });
    await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
    pageOrigin = `http://localhost:${(pageServer.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await (await browser.newContext()).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => pageServer?.close(resolve));
  });

  const failed = (r: unknown) => r === 'failed';

  test('the URL loads in an <img> of another origin, and stops after the viewer is banned', async () => {
    const carol = await actor(s.t, s.app);
    const board = await createBoard(s.app, admin);
    const post = await imagePost(alice, board.id);
    const url = await urlFor(carol, post);
    expect(await loadImage(url)).toEqual({ width: 40, height: 30 });

    expect((await call(s.app, admin, 'post', `/users/${carol.id}/ban`, { reason: 'spam' })).status).toBe(200);
    expect(failed(await loadImage(url))).toBe(true);
    expectProblem(await fetchUrl(url), 403, 'file_url_revoked');
    // another reader's URL of the same file is untouched
    expect(await loadImage(await urlFor(bob, post))).toEqual({ width: 40, height: 30 });
  });

  test('the URL loads in an <img> until it expires, then no more', async () => {
    const board = await createBoard(s.app, admin);
    const post = await imagePost(alice, board.id);
    const url = await urlFor(bob, post);
    expect(await loadImage(url)).toEqual({ width: 40, height: 30 });
    const exp = Number(new URL(url, origin).searchParams.get('exp'));
    await waitFor('the URL to expire', () => Date.now() > exp * 1000, (TTL + 10) * 1000, 100);
    expect(failed(await loadImage(url))).toBe(true);
    expectProblem(await fetchUrl(url), 403, 'file_url_expired');
  });
});
