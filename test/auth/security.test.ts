// The front door under attack: a login's access tokens die with it (refresh-token reuse, logout), tokens
// must carry an expiry, answers for a credential are never cached, a failed login keeps no typed secret in
// the audit log, and wrong passwords from one address do not lock the owner out from another.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { API, decodeJwt, expectProblem, login, me, PASSWORD, refresh, refreshCookieOf, signup } from '../helpers/auth.js';

const nowS = () => Math.floor(Date.now() / 1000);

describe('a login ends with every access token it issued', () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    // no grace window: a spent refresh token presented again is reuse at once (no waiting in the test)
    t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000', REFRESH_REUSE_GRACE_SECONDS: '0' });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());

  it('refresh-token reuse: 401 refresh_reuse_detected, and the access tokens of before and after the rotation die at once', async () => {
    const user = await signup(app);
    const s = await login(app, user);
    const other = await login(app, user);
    const rotated = await refresh(app, s.refresh);
    expect(rotated.status).toBe(200);
    const t1 = rotated.body.access_token as string;
    expect((await me(app, s.access)).status).toBe(200);
    expect((await me(app, t1)).status).toBe(200);

    expectProblem(await refresh(app, s.refresh), 401, 'refresh_reuse_detected');
    expectProblem(await me(app, s.access), 401, 'invalid_token');
    expectProblem(await me(app, t1), 401, 'invalid_token');
    expectProblem(await refresh(app, refreshCookieOf(rotated)), 401, 'refresh_invalid');
    // another login of the same account lives on
    expect((await me(app, other.access)).status).toBe(200);
    // the login's revocation lives under the suite's prefix for as long as its tokens could
    const ttl = await t.ctx.redis.ttl(`auth:sidrev:${decodeJwt(s.access).payload.sid as string}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(t.ctx.config.auth.accessTokenTtlSeconds + 60);
  });

  it('logout with the refreshed access token also kills the one it replaced', async () => {
    const user = await signup(app);
    const s = await login(app, user);
    const other = await login(app, user);
    const rotated = await refresh(app, s.refresh);
    expect(rotated.status).toBe(200);
    const t1 = rotated.body.access_token as string;
    expect((await request(app).post(`${API}/auth/logout`).set('Authorization', `Bearer ${t1}`)).status).toBe(204);
    expectProblem(await me(app, s.access), 401, 'invalid_token');
    expectProblem(await me(app, t1), 401, 'invalid_token');
    expectProblem(await refresh(app, refreshCookieOf(rotated)), 401, 'refresh_invalid');
    expect((await me(app, other.access)).status).toBe(200);
  });
});

describe('tokens, caching and the audit of failed logins', () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000' });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());

  it('rejects a token signed with the right secret but without exp: 401 invalid_token', async () => {
    const user = await signup(app);
    const s = await login(app, user);
    const claims = { sub: String(user.id), role: 'user', jti: crypto.randomUUID(), sid: decodeJwt(s.access).payload.sid, iat: nowS() };
    expect((await me(app, jwt.sign({ ...claims, exp: nowS() + 300 }, t.env.JWT_SECRET, { algorithm: 'HS256' }))).status).toBe(200);
    const forever = jwt.sign(claims, t.env.JWT_SECRET, { algorithm: 'HS256' });
    expect(decodeJwt(forever).payload.exp).toBeUndefined();
    expectProblem(await me(app, forever), 401, 'invalid_token');
  });

  it('marks every answer to a request with a bearer token, and every auth answer, Cache-Control: no-store', async () => {
    const user = await signup(app);
    const s = await login(app, user);
    const answers = [
      await me(app, s.access),
      await request(app).get(`${API}/users/${user.id}`).set('Authorization', `Bearer ${s.access}`),
      await me(app, 'not-a-token'),
      await request(app).get(`${API}/users/abc`).set('Authorization', `Bearer ${s.access}`),
      await request(app).post(`${API}/auth/login`).send({ name: user.name, password: 'Wr0ng!Password' }),
      await request(app).post(`${API}/auth/login`).send({}),
      await refresh(app),
      await request(app).post(`${API}/auth/password-reset`).send({ email: user.email }),
      await request(app).post(`${API}/auth/ws-ticket`).set('Authorization', `Bearer ${s.access}`),
    ];
    expect(answers.map((r) => [r.status, r.headers['cache-control']])).toEqual([
      [200, 'no-store'],
      [200, 'no-store'],
      [401, 'no-store'],
      [400, 'no-store'],
      [401, 'no-store'],
      [400, 'no-store'],
      [401, 'no-store'],
      [202, 'no-store'],
      [200, 'no-store'],
    ]);
  });

  it('keeps the login of a failed attempt only when it names an account; otherwise a keyed hash', async () => {
    const user = await signup(app);
    const typed = `Pa55!${crypto.randomBytes(4).toString('hex')}`; // a password typed into the name field
    for (const login of [user.name, typed, typed, `${typed}x`])
      expectProblem(await request(app).post(`${API}/auth/login`).send({ name: login, password: PASSWORD.toLowerCase() }), 401, 'invalid_credentials');
    const events = (await t.ctx.audit.query({ action: 'login.failed', limit: 4 })).items.reverse();
    expect(events.map((e) => e.actorId)).toEqual([user.id, null, null, null]);
    const details = events.map((e) => e.details!);
    expect(details[0]).toEqual({ login: user.name });
    for (const d of details.slice(1)) expect(d).toEqual({ loginHash: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(details[1].loginHash).toBe(details[2].loginHash);
    expect(details[3].loginHash).not.toBe(details[1].loginHash);
    expect(JSON.stringify(events)).not.toContain(typed);
  });
});

describe('login limits per account and client address', () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    // the client address comes from X-Forwarded-For only when the proxy is trusted
    t = await createTestContext({ TRUST_PROXY: 'loopback', LOGIN_RATE_LIMIT_IP: '100000', LOGIN_RATE_LIMIT_ACCOUNT: '10', LOGIN_RATE_LIMIT_ACCOUNT_GLOBAL: '15', LOGIN_RATE_WINDOW_SECONDS: '300' });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());
  const from = (ip: string, body: object) => request(app).post(`${API}/auth/login`).set('X-Forwarded-For', ip).send(body);
  const expectLimited = (res: request.Response) => {
    expectProblem(res, 429, 'rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(300);
  };

  it('10 wrong passwords from one address lock that address out, not the owner at another', async () => {
    const user = await signup(app);
    for (let i = 0; i < 10; i++) expectProblem(await from('203.0.113.10', { name: user.name, password: 'Wr0ng!Password' }), 401, 'invalid_credentials');
    expectLimited(await from('203.0.113.10', { name: user.name, password: PASSWORD }));
    const owner = await from('198.51.100.20', { name: user.name, password: PASSWORD });
    expect(owner.status).toBe(200);
    expect((await me(app, owner.body.access_token as string)).status).toBe(200);
    // the refused attempts were not counted against the account as a whole
    expect(await t.ctx.redis.get(`login:acct:account:${user.id}`)).toBe('10');
  });

  it('failures from every address together reach the account’s much higher ceiling', async () => {
    const user = await signup(app);
    for (let i = 0; i < 10; i++) expectProblem(await from('203.0.113.11', { email: user.email, password: 'Wr0ng!Password' }), 401, 'invalid_credentials');
    for (let i = 0; i < 5; i++) expectProblem(await from('203.0.113.12', { name: user.name, password: 'Wr0ng!Password' }), 401, 'invalid_credentials');
    expectLimited(await from('198.51.100.21', { name: user.name, password: PASSWORD }));
    // another account is not affected
    expect((await from('198.51.100.21', { name: (await signup(app)).name, password: PASSWORD })).status).toBe(200);
  });
});
