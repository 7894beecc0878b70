// Refresh-token rotation: spent tokens, reuse detection with family revocation, the grace window for
// concurrent refreshes, idle and absolute expiry. Real app, SQLite and Redis.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { sha256 } from '../../src/auth/sessions.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { API, decodeJwt, expectProblem, login, me, refresh, refreshCookieOf, refreshSetCookie, signup } from '../helpers/auth.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('refresh', () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000', LOGIN_RATE_LIMIT_ACCOUNT: '100000', REFRESH_REUSE_GRACE_SECONDS: '1', REFRESH_IDLE_TTL_SECONDS: '60' });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());

  const reuseEvents = (familyId: string) => t.ctx.prisma.auditEvent.findMany({ where: { action: 'refresh.reuse_detected', targetId: familyId } });

  it('answers a request without the cookie with 401 refresh_missing', async () => {
    expectProblem(await refresh(app), 401, 'refresh_missing');
    expectProblem(await request(app).post(`${API}/auth/refresh`).set('Cookie', 'other=1'), 401, 'refresh_missing');
  });

  it('answers an unknown token with 401 refresh_invalid', async () => {
    expectProblem(await refresh(app, 'x'.repeat(43)), 401, 'refresh_invalid');
  });

  it('rotates: a new access token and a new cookie; the old token is spent', async () => {
    const user = await signup(app);
    const s = await login(app, user);
    const res = await refresh(app, s.refresh);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 900 });
    expect(res.headers['cache-control']).toBe('no-store');
    const next = refreshCookieOf(res)!;
    expect(next).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(next).not.toBe(s.refresh);
    const attrs = refreshSetCookie(res)!
      .split(';')
      .map((a) => a.trim().toLowerCase());
    expect(attrs).toEqual(expect.arrayContaining(['path=/api/v1/auth', 'httponly', 'samesite=strict']));

    const access = res.body.access_token as string;
    expect(access).not.toBe(s.access);
    expect(decodeJwt(access).payload).toMatchObject({ sub: String(user.id), sid: decodeJwt(s.access).payload.sid });
    expect((await me(app, access)).status).toBe(200);

    const old = await t.ctx.prisma.refreshSession.findUniqueOrThrow({ where: { tokenHash: sha256(s.refresh) } });
    const successor = await t.ctx.prisma.refreshSession.findUniqueOrThrow({ where: { tokenHash: sha256(next) } });
    expect(old.rotatedAt).not.toBeNull();
    expect(old.replacedById).toBe(successor.id);
    expect(successor.familyId).toBe(old.familyId);
    expect(successor.rotatedAt).toBeNull();
    expect(successor.revokedAt).toBeNull();

    // the successor rotates in turn
    const again = await refresh(app, next);
    expect(again.status).toBe(200);
    expect(refreshCookieOf(again)).not.toBe(next);
  });

  it('within the grace window answers a just-rotated token again with the same successor', async () => {
    const s = await login(app, await signup(app));
    const first = await refresh(app, s.refresh);
    expect(first.status).toBe(200);
    const second = await refresh(app, s.refresh);
    expect(second.status).toBe(200);
    expect(refreshCookieOf(second)).toBe(refreshCookieOf(first));
    expect((await me(app, second.body.access_token as string)).status).toBe(200);
    expect(await reuseEvents(decodeJwt(s.access).payload.sid as string)).toHaveLength(0);
  });

  it('two concurrent refreshes with the same cookie both succeed with the same new cookie', async () => {
    const s = await login(app, await signup(app));
    const familyId = decodeJwt(s.access).payload.sid as string;
    const [a, b] = await Promise.all([refresh(app, s.refresh), refresh(app, s.refresh)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const cookieA = refreshCookieOf(a)!;
    expect(cookieA).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(refreshCookieOf(b)).toBe(cookieA);
    expect(cookieA).not.toBe(s.refresh);
    // exactly one successor was created and the family is intact
    const rows = await t.ctx.prisma.refreshSession.findMany({ where: { familyId } });
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.revokedAt === null)).toBe(true);
    expect(await reuseEvents(familyId)).toHaveLength(0);
    expect((await refresh(app, cookieA)).status).toBe(200);
  });

  it('after the grace window a spent token is reuse: 401 refresh_reuse_detected, the family revoked, an audit event', async () => {
    const user = await signup(app);
    const s = await login(app, user);
    const familyId = decodeJwt(s.access).payload.sid as string;
    const rotated = await refresh(app, s.refresh);
    expect(rotated.status).toBe(200);
    const successor = refreshCookieOf(rotated)!;
    await sleep(1200); // REFRESH_REUSE_GRACE_SECONDS=1

    expectProblem(await refresh(app, s.refresh), 401, 'refresh_reuse_detected');
    // the successor died with its family
    expectProblem(await refresh(app, successor), 401, 'refresh_invalid');
    // and the spent token keeps failing
    expectProblem(await refresh(app, s.refresh), 401, 'refresh_invalid');

    const rows = await t.ctx.prisma.refreshSession.findMany({ where: { familyId } });
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.revokedAt !== null)).toBe(true);
    const events = await reuseEvents(familyId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: user.id, action: 'refresh.reuse_detected', targetType: 'refresh_family', targetId: familyId });

    // another login of the same user is not affected
    const other = await login(app, user);
    expect((await refresh(app, other.refresh)).status).toBe(200);
  });

  it('expires after REFRESH_IDLE_TTL_SECONDS without use: 401 refresh_expired', async () => {
    const s = await login(app, await signup(app));
    const hash = sha256(s.refresh);
    await t.ctx.prisma.refreshSession.update({ where: { tokenHash: hash }, data: { lastUsedAt: new Date(Date.now() - 59_000) } });
    const stillFresh = await refresh(app, s.refresh); // 59 s idle < 60 s: still fine
    expect(stillFresh.status).toBe(200);

    const s2 = await login(app, await signup(app));
    await t.ctx.prisma.refreshSession.update({ where: { tokenHash: sha256(s2.refresh) }, data: { lastUsedAt: new Date(Date.now() - 61_000) } });
    expectProblem(await refresh(app, s2.refresh), 401, 'refresh_expired');
  });

  it('expires at the absolute end of the family: 401 refresh_expired', async () => {
    const s = await login(app, await signup(app));
    const rotated = await refresh(app, s.refresh);
    expect(rotated.status).toBe(200);
    const current = refreshCookieOf(rotated)!;
    const familyId = decodeJwt(s.access).payload.sid as string;
    await t.ctx.prisma.refreshSession.updateMany({ where: { familyId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expectProblem(await refresh(app, current), 401, 'refresh_expired');
  });

  it('carries the absolute expiry of the login into every successor', async () => {
    const s = await login(app, await signup(app));
    const first = await t.ctx.prisma.refreshSession.findUniqueOrThrow({ where: { tokenHash: sha256(s.refresh) } });
    const rotated = await refresh(app, s.refresh);
    const next = await t.ctx.prisma.refreshSession.findUniqueOrThrow({ where: { tokenHash: sha256(refreshCookieOf(rotated)!) } });
    expect(next.expiresAt.getTime()).toBe(first.expiresAt.getTime());
    expect(refreshSetCookie(rotated)).toMatch(new RegExp(`Expires=${first.expiresAt.toUTCString()}`));
  });
});

describe('refresh with the default grace window', () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000', LOGIN_RATE_LIMIT_ACCOUNT: '100000' });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());

  it('stores the successor for REFRESH_REUSE_GRACE_SECONDS (10) under the suite’s prefix', async () => {
    const s = await login(app, await signup(app));
    const [a, b, c] = await Promise.all([refresh(app, s.refresh), refresh(app, s.refresh), refresh(app, s.refresh)]);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(new Set([refreshCookieOf(a), refreshCookieOf(b), refreshCookieOf(c)]).size).toBe(1);
    const ttl = await t.ctx.redis.ttl(`auth:rsucc:${sha256(s.refresh)}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10);
    expect(await t.ctx.redis.get(`auth:rsucc:${sha256(s.refresh)}`)).toBe(refreshCookieOf(a));
  });
});
