// The front door under attack: a login's access tokens die with it (refresh-token reuse, logout), tokens
// must carry an expiry, and answers for a credential are never cached.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { API, decodeJwt, expectProblem, login, me, refresh, refreshCookieOf, signup } from '../helpers/auth.js';

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

describe('tokens and caching', () => {
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
});
