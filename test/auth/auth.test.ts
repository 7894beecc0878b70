// Login, access tokens and the guard, logout, logout-all, WebSocket tickets, login rate limits: the real app
// (supertest) on a fresh SQLite database and real Redis under the suite's own key prefix.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { createTestContext, monitorRedis, redisUrl, type TestContext } from '../helpers/context.js';
import { API, b64url, decodeJwt, expectProblem, login, makeAdmin, me, PASSWORD, refresh, refreshCookieOf, refreshSetCookie, signup, type TestUser } from '../helpers/auth.js';
import { waitFor } from '../helpers/wait.js';

const nowS = () => Math.floor(Date.now() / 1000);

/** Every key under a prefix, without the prefix (a separate, unprefixed connection; SCAN). */
async function keysUnder(prefix: string, match: string): Promise<string[]> {
  const raw = new Redis(redisUrl);
  try {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}${match}`, 'COUNT', 1000);
      cursor = next;
      out.push(...keys.map((k) => k.slice(prefix.length)));
    } while (cursor !== '0');
    return out;
  } finally {
    raw.disconnect();
  }
}

describe('auth', () => {
  let t: TestContext;
  let app: Express;
  let secret: string;
  beforeAll(async () => {
    // rate limits out of the way here; they have their own suites below
    t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000', LOGIN_RATE_LIMIT_ACCOUNT: '100000', ACCESS_TOKEN_TTL_SECONDS: '600' });
    app = buildApp(t.ctx);
    secret = t.env.JWT_SECRET;
  });
  afterAll(() => t.cleanup());

  describe('signup', () => {
    it('creates an account: 201, Location, no password hash in the body', async () => {
      const name = `sign${crypto.randomBytes(4).toString('hex')}`;
      const res = await request(app)
        .post(`${API}/users`)
        .send({ name, email: `${name}@Example.com`, password: PASSWORD });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/api/v1/users/${res.body.id}`);
      expect(res.body).toMatchObject({ id: expect.any(Number), name, email: `${name}@example.com`, role: 'user' });
      expect(res.body).not.toHaveProperty('passwordHash');
      expect(JSON.stringify(res.body)).not.toMatch(/argon2/);
    });
  });

  describe('login', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await signup(app);
    });

    it('answers 200 with a bearer access token and an httpOnly, SameSite=Strict refresh cookie on the auth path', async () => {
      const res = await request(app).post(`${API}/auth/login`).send({ name: user.name, password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 600 });
      expect(res.headers['cache-control']).toBe('no-store');
      const cookie = refreshSetCookie(res)!;
      expect(cookie).toBeDefined();
      const attrs = cookie.split(';').map((a) => a.trim().toLowerCase());
      expect(refreshCookieOf(res)).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(attrs).toContain('path=/api/v1/auth');
      expect(attrs).toContain('httponly');
      expect(attrs).toContain('samesite=strict');
      expect(attrs).not.toContain('secure'); // NODE_ENV=test, COOKIE_SECURE unset
      expect((await me(app, res.body.access_token as string)).status).toBe(200);
    });

    it('accepts the email instead of the name, case-insensitively', async () => {
      const res = await request(app).post(`${API}/auth/login`).send({ email: user.email.toUpperCase(), password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('bearer');
    });

    it('answers an unknown account and a wrong password with the same 401 invalid_credentials', async () => {
      const unknown = await request(app)
        .post(`${API}/auth/login`)
        .send({ name: `nobody${crypto.randomBytes(4).toString('hex')}`, password: PASSWORD });
      const wrong = await request(app).post(`${API}/auth/login`).send({ name: user.name, password: 'Wr0ng!Password' });
      expectProblem(unknown, 401, 'invalid_credentials');
      expectProblem(wrong, 401, 'invalid_credentials');
      const strip = (b: Record<string, unknown>) => {
        const { requestId: _r, ...rest } = b;
        return rest;
      };
      expect(strip(unknown.body)).toEqual(strip(wrong.body));
      expect(unknown.headers['www-authenticate']).toBe(wrong.headers['www-authenticate']);
      expect(refreshSetCookie(unknown)).toBeUndefined();
      expect(refreshSetCookie(wrong)).toBeUndefined();
    });

    it('refuses a banned account with 403 user_banned only once the password is right', async () => {
      const admin = await signup(app, 'adm');
      await makeAdmin(t.ctx, admin);
      const adminSession = await login(app, admin);
      const victim = await signup(app, 'ban');
      const victimSession = await login(app, victim);

      const ban = await request(app).post(`${API}/users/${victim.id}/ban`).set('Authorization', `Bearer ${adminSession.access}`).send({ reason: 'spam' });
      expect(ban.status).toBe(200);
      expect(ban.body.isBanned).toBe(true);

      expectProblem(await request(app).post(`${API}/auth/login`).send({ name: victim.name, password: PASSWORD }), 403, 'user_banned');
      expectProblem(await request(app).post(`${API}/auth/login`).send({ name: victim.name, password: 'Wr0ng!Password' }), 401, 'invalid_credentials');
      // the ban revoked what the member already had
      expectProblem(await me(app, victimSession.access), 401, 'invalid_token');
      expectProblem(await refresh(app, victimSession.refresh), 401, 'refresh_invalid');
    });

    it('refuses a banned account banned through the service as well', async () => {
      const admin = await signup(app, 'adm');
      await makeAdmin(t.ctx, admin);
      await login(app, admin);
      const victim = await signup(app, 'ban');
      await t.ctx.services.users.setBanned({ id: admin.id, role: 'admin' }, victim.id, true, 'reason');
      expectProblem(await request(app).post(`${API}/auth/login`).send({ email: victim.email, password: PASSWORD }), 403, 'user_banned');
    });
  });

  describe('access tokens and the guard', () => {
    let user: TestUser;
    let session: { access: string; refresh: string };
    beforeAll(async () => {
      user = await signup(app);
      session = await login(app, user);
    });

    const claims = (over: Record<string, unknown> = {}) => ({
      sub: String(user.id),
      role: 'user',
      jti: crypto.randomUUID(),
      sid: decodeJwt(session.access).payload.sid,
      iat: nowS(),
      exp: nowS() + 300,
      ...over,
    });

    it('is an HS256 JWT with sub, role, jti, sid, iat and exp', async () => {
      const { header, payload } = decodeJwt(session.access);
      expect(header.alg).toBe('HS256');
      expect(Object.keys(payload).sort()).toEqual(['exp', 'iat', 'jti', 'role', 'sid', 'sub']);
      expect(payload).toMatchObject({ sub: String(user.id), role: 'user', jti: expect.stringMatching(/^[0-9a-f-]{36}$/), sid: expect.any(String) });
      expect(Number.isInteger(payload.exp)).toBe(true);
      expect(payload.exp as number).toBeGreaterThan(payload.iat as number);
      expect(Math.abs((payload.exp as number) - (payload.iat as number) - 600)).toBeLessThanOrEqual(1);
      expect(() => jwt.verify(session.access, secret, { algorithms: ['HS256'] })).not.toThrow();
      // sid names the refresh family of this login
      const rows = await t.ctx.prisma.refreshSession.findMany({ where: { familyId: payload.sid as string } });
      expect(rows).toHaveLength(1);
      expect(rows[0].userId).toBe(user.id);
    });

    it('accepts a well-formed token signed with the secret (control for the forgeries below)', async () => {
      const res = await me(app, jwt.sign(claims(), secret, { algorithm: 'HS256' }));
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(user.id);
    });

    it('answers a request without Authorization with 401 unauthorized', async () => {
      const res = await request(app).get(`${API}/users/me`);
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    it.each([['Bearer abc'], ['Basic xyz'], ['Bearer'], ['Bearer a.b.c'], ['bearer-ish token']])('answers the malformed header %p with 401 invalid_token', async (header) => {
      expectProblem(await request(app).get(`${API}/users/me`).set('Authorization', header), 401, 'invalid_token');
    });

    it('rejects a token signed with another secret', async () => {
      expectProblem(await me(app, jwt.sign(claims(), crypto.randomBytes(32).toString('hex'), { algorithm: 'HS256' })), 401, 'invalid_token');
    });

    it('rejects an alg:none token', async () => {
      const forged = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`;
      expectProblem(await me(app, forged), 401, 'invalid_token');
    });

    it('rejects a token signed with the right secret but another algorithm (HS512)', async () => {
      expectProblem(await me(app, jwt.sign(claims(), secret, { algorithm: 'HS512' })), 401, 'invalid_token');
    });

    it('rejects an expired token', async () => {
      expectProblem(await me(app, jwt.sign(claims({ iat: nowS() - 120, exp: nowS() - 60 }), secret, { algorithm: 'HS256' })), 401, 'invalid_token');
    });

    it('rejects a token whose payload was altered after signing', async () => {
      const [h, , s] = session.access.split('.');
      const forged = `${h}.${b64url({ ...decodeJwt(session.access).payload, role: 'superuser' })}.${s}`;
      expectProblem(await me(app, forged), 401, 'invalid_token');
    });

    it('rejects a signed token with a non-numeric sub or missing sid', async () => {
      expectProblem(await me(app, jwt.sign(claims({ sub: 'admin' }), secret, { algorithm: 'HS256' })), 401, 'invalid_token');
      const { sid: _sid, ...noSid } = claims();
      expectProblem(await me(app, jwt.sign(noSid, secret, { algorithm: 'HS256' })), 401, 'invalid_token');
    });

    it('checks revocation with exactly one Redis command per authenticated request (MGET of blacklist, epoch and login)', async () => {
      // every command on a key of this suite (its own prefix: the other suites' traffic on the shared server is
      // left out), on any connection, from the moment MONITOR is on
      const prefix = t.env.REDIS_PREFIX;
      const { jti, sid } = decodeJwt(session.access).payload;
      const seen: string[][] = [];
      const monitor = await monitorRedis((args) => {
        if (args.slice(1).some((a) => a.startsWith(prefix))) seen.push(args);
      });
      // MONITOR shows commands in the order the server runs them: once a command sent after the response shows,
      // every command the request made has shown before it
      const marker = `${prefix}monitor-marker:${crypto.randomBytes(4).toString('hex')}`;
      const isMarker = (args: string[]) => args[1] === marker;
      try {
        const res = await me(app, session.access);
        expect(res.status).toBe(200);
        await t.ctx.redis.exists(marker.slice(prefix.length));
        await waitFor('the marker command in the MONITOR feed', () => seen.some(isMarker));
      } finally {
        monitor.stop();
      }
      expect(seen.slice(0, seen.findIndex(isMarker))).toEqual([
        [expect.stringMatching(/^mget$/i), `${prefix}auth:bl:${jti as string}`, `${prefix}auth:epoch:${user.id}`, `${prefix}auth:sidrev:${sid as string}`],
      ]);
    });
  });

  describe('logout', () => {
    it('answers 204, clears the cookie, kills this access token and this login’s refresh token only', async () => {
      const user = await signup(app);
      const a = await login(app, user);
      const b = await login(app, user);
      const res = await request(app).post(`${API}/auth/logout`).set('Authorization', `Bearer ${a.access}`);
      expect(res.status).toBe(204);
      const cleared = refreshSetCookie(res)!;
      expect(cleared).toBeDefined();
      expect(refreshCookieOf(res)).toBe('');
      expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
      expect(cleared).toMatch(/Path=\/api\/v1\/auth/);

      expectProblem(await me(app, a.access), 401, 'invalid_token');
      expectProblem(await request(app).post(`${API}/auth/logout`).set('Authorization', `Bearer ${a.access}`), 401, 'invalid_token');
      expectProblem(await refresh(app, a.refresh), 401, 'refresh_invalid');
      // the other login is untouched
      expect((await me(app, b.access)).status).toBe(200);
      expect((await refresh(app, b.refresh)).status).toBe(200);
      // the blacklist entry lives under this suite's prefix and expires with the token
      const { jti } = decodeJwt(a.access).payload;
      const ttl = await t.ctx.redis.ttl(`auth:bl:${jti as string}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600);
    });

    it('needs an access token', async () => {
      expectProblem(await request(app).post(`${API}/auth/logout`), 401, 'unauthorized');
    });
  });

  describe('logout-all', () => {
    it('kills every access token and refresh token issued before; a login right after works', async () => {
      const user = await signup(app);
      const a = await login(app, user);
      const b = await login(app, user);
      const other = await login(app, await signup(app));
      const res = await request(app).post(`${API}/auth/logout-all`).set('Authorization', `Bearer ${a.access}`);
      expect(res.status).toBe(204);
      expect(refreshCookieOf(res)).toBe('');

      expectProblem(await me(app, a.access), 401, 'invalid_token');
      expectProblem(await me(app, b.access), 401, 'invalid_token');
      expectProblem(await refresh(app, a.refresh), 401, 'refresh_invalid');
      expectProblem(await refresh(app, b.refresh), 401, 'refresh_invalid');
      // another account is not affected
      expect((await me(app, other.access)).status).toBe(200);

      // immediately (same second): the epoch has millisecond precision
      const c = await login(app, user);
      expect(Math.floor(decodeJwt(c.access).payload.iat as number)).toBeLessThanOrEqual(nowS());
      expect((await me(app, c.access)).status).toBe(200);
      const rotated = await refresh(app, c.refresh);
      expect(rotated.status).toBe(200);
      expect((await me(app, rotated.body.access_token as string)).status).toBe(200);
    });

    it('accepts a token issued in the same second as the revocation, after it', async () => {
      const user = await signup(app);
      const a = await login(app, user);
      // retry until the revocation and the next login fall in the same wall-clock second
      for (let attempt = 0; attempt < 5; attempt++) {
        const before = nowS();
        await t.ctx.sessions.revokeAll(user.id);
        const issued = t.ctx.sessions.signAccessToken({ id: user.id, role: 'user' }, decodeJwt(a.access).payload.sid as string);
        if (Math.floor(issued.claims.iat) !== before) continue;
        expect((await me(app, issued.token)).status).toBe(200);
        expectProblem(await me(app, a.access), 401, 'invalid_token');
        return;
      }
      throw new Error('could not land the revocation and the token in the same second');
    });
  });

  describe('ws-ticket', () => {
    it('issues a single-use ticket that lives at most 30 s', async () => {
      const user = await signup(app);
      const s = await login(app, user);
      const res = await request(app).post(`${API}/auth/ws-ticket`).set('Authorization', `Bearer ${s.access}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ticket: expect.stringMatching(/^[A-Za-z0-9_-]{20,100}$/), expiresIn: 30 });
      const ticket = res.body.ticket as string;
      const ttl = await t.ctx.redis.ttl(`auth:wst:${ticket}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30);
      expect(await keysUnder(t.env.REDIS_PREFIX, `auth:wst:${ticket}`)).toEqual([`auth:wst:${ticket}`]);
      expect(await t.ctx.sessions.consumeWsTicket(ticket)).toEqual({ userId: user.id, jti: expect.any(String), sid: expect.any(String), issuedAt: expect.any(Number) });
      expect(await t.ctx.sessions.consumeWsTicket(ticket)).toBeNull();
      expect(await t.ctx.sessions.consumeWsTicket('not-a-ticket')).toBeNull();
    });

    it('needs an access token', async () => {
      expectProblem(await request(app).post(`${API}/auth/ws-ticket`), 401, 'unauthorized');
    });
  });
});

describe('auth cookie with COOKIE_SECURE=true', () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    t = await createTestContext({ COOKIE_SECURE: 'true' });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());

  it('marks the refresh cookie Secure', async () => {
    const s = await login(app, await signup(app));
    const attrs = refreshSetCookie(s.res)!
      .split(';')
      .map((a) => a.trim().toLowerCase());
    expect(attrs).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=strict', 'path=/api/v1/auth']));
  });
});

const expectRetryAfter = (res: request.Response, windowSeconds: number) => {
  expectProblem(res, 429, 'rate_limited');
  const ra = res.headers['retry-after'];
  expect(ra).toMatch(/^\d+$/);
  expect(Number(ra)).toBeGreaterThanOrEqual(1);
  expect(Number(ra)).toBeLessThanOrEqual(windowSeconds);
};

describe('login rate limit per IP', () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '3', LOGIN_RATE_LIMIT_ACCOUNT: '100', LOGIN_RATE_WINDOW_SECONDS: '120' });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());

  it('counts every attempt from the address, successful or not, then answers 429 with Retry-After', async () => {
    const user = await signup(app);
    const post = (body: object) => request(app).post(`${API}/auth/login`).send(body);
    expect((await post({ name: user.name, password: PASSWORD })).status).toBe(200);
    expect((await post({ name: user.name, password: PASSWORD })).status).toBe(200);
    expectProblem(await post({ name: 'someoneelse', password: PASSWORD }), 401, 'invalid_credentials');
    expectRetryAfter(await post({ name: user.name, password: PASSWORD }), 120);
  });

  it('keeps its counters under the suite’s REDIS_PREFIX', async () => {
    const keys = await keysUnder(t.env.REDIS_PREFIX, 'login:ip:*');
    expect(keys.length).toBeGreaterThanOrEqual(1);
    expect(keys.every((k) => /^login:ip:[0-9a-f.:]+$/.test(k))).toBe(true);
  });
});

describe('login rate limit per account', () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000', LOGIN_RATE_LIMIT_ACCOUNT: '3', LOGIN_RATE_WINDOW_SECONDS: '300' });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());
  const post = (body: object) => request(app).post(`${API}/auth/login`).send(body);

  it('does not count successful logins', async () => {
    const user = await signup(app);
    for (let i = 0; i < 5; i++) expect((await post({ name: user.name, password: PASSWORD })).status).toBe(200);
  });

  it('after LOGIN_RATE_LIMIT_ACCOUNT failures from one address answers it 429 with Retry-After, even with the right password', async () => {
    const user = await signup(app);
    for (let i = 0; i < 3; i++) expectProblem(await post({ name: user.name, password: 'Wr0ng!Password' }), 401, 'invalid_credentials');
    expectRetryAfter(await post({ name: user.name, password: PASSWORD }), 300);
    // another account from the same address is not limited
    expect((await post({ name: (await signup(app)).name, password: PASSWORD })).status).toBe(200);
    const keys = await keysUnder(t.env.REDIS_PREFIX, 'login:acct*');
    // one counter per account (by id), whichever identifier the attempts used: per address and in all
    expect(keys).toContain(`login:acct:account:${user.id}`);
    expect(keys.filter((k) => k.startsWith(`login:acctip:account:${user.id}:`))).toHaveLength(1);
  });

  it('counts failures by name and by email against the same account', async () => {
    const user = await signup(app);
    expectProblem(await post({ name: user.name, password: 'Wr0ng!Password' }), 401, 'invalid_credentials');
    expectProblem(await post({ email: user.email, password: 'Wr0ng!Password' }), 401, 'invalid_credentials');
    expectProblem(await post({ name: user.name, password: 'Wr0ng!Password' }), 401, 'invalid_credentials');
    expectRetryAfter(await post({ email: user.email, password: 'Wr0ng!Password' }), 300);
  });
});
