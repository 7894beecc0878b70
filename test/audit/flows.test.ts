// The audit trail of real flows, read back through GET /audit-events; and what request logs contain.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { createLogger } from '../../src/platform/logger.js';
import { createTestContext, deleteRedisPrefix, testEnv, type TestContext } from '../helpers/context.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

const PW = 'Str0ng!pass';

async function signupAndLogin(app: Express, name: string): Promise<{ id: number; token: string }> {
  const s = await request(app)
    .post('/api/v1/users')
    .send({ name, email: `${name}@example.com`, password: PW });
  expect(s.status).toBe(201);
  const l = await request(app).post('/api/v1/auth/login').send({ name, password: PW });
  expect(l.status).toBe(200);
  return { id: s.body.id as number, token: l.body.access_token as string };
}

describe('audit trail of the account flows', () => {
  let t: TestContext;
  let app: Express;
  let admin: { id: number; token: string };
  beforeAll(async () => {
    t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '1000' });
    app = buildApp(t.ctx);
    await request(app).post('/api/v1/users').send({ name: 'boss', email: 'boss@example.com', password: PW });
    await t.ctx.prisma.user.update({ where: { name: 'boss' }, data: { role: 'admin' } });
    const l = await request(app).post('/api/v1/auth/login').send({ name: 'boss', password: PW });
    admin = { id: (await t.ctx.prisma.user.findUniqueOrThrow({ where: { name: 'boss' } })).id, token: l.body.access_token as string };
  });
  afterAll(() => t.cleanup());

  const events = async (qs: string) => {
    const res = await request(app).get(`/api/v1/audit-events?${qs}`).set('Authorization', `Bearer ${admin.token}`);
    expect(res.status).toBe(200);
    return res.body as { items: { action: string; actorId: number | null; targetId: string | null; requestId: string | null; ip: string | null }[]; nextCursor: string | null };
  };

  it('records signup, logins, logout, password change, ban and unban by the real flows', async () => {
    const u = await signupAndLogin(app, 'walt');
    const failed = await request(app).post('/api/v1/auth/login').send({ name: 'walt', password: 'Wr0ng!pass' });
    expect(failed.status).toBe(401);
    expect((await request(app).patch('/api/v1/users/me').set('Authorization', `Bearer ${u.token}`).send({ password: 'N3w!password', currentPassword: PW })).status).toBe(200);
    const again = await request(app).post('/api/v1/auth/login').send({ name: 'walt', password: 'N3w!password' });
    expect(
      (
        await request(app)
          .post('/api/v1/auth/logout')
          .set('Authorization', `Bearer ${again.body.access_token as string}`)
      ).status,
    ).toBe(204);
    expect((await request(app).post(`/api/v1/users/${u.id}/ban`).set('Authorization', `Bearer ${admin.token}`).send({ reason: 'spam' })).status).toBe(200);
    expect((await request(app).delete(`/api/v1/users/${u.id}/ban`).set('Authorization', `Bearer ${admin.token}`)).status).toBe(200);

    const mine = (await events(`actor=${u.id}&limit=200`)).items.map((e) => e.action).reverse();
    expect(mine).toEqual(['user.signup', 'login.ok', 'login.failed', 'password.changed', 'login.ok', 'logout']);
    const byAdmin = (await events(`actor=${admin.id}&targetType=user&limit=200`)).items
      .filter((e) => e.targetId === String(u.id))
      .map((e) => e.action)
      .reverse();
    expect(byAdmin).toEqual(['user.banned', 'user.unbanned']);
    // the failed login carries the request id the client saw, and the address
    const failedEvent = (await events(`actor=${u.id}&action=login.failed`)).items[0];
    expect(failedEvent.requestId).toBe(failed.headers['x-request-id']);
    expect(failedEvent.ip).toMatch(/127\.0\.0\.1/);
  });

  it('pages with a cursor and validates the filters', async () => {
    const first = await events('limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await events(`limit=2&cursor=${first.nextCursor!}`);
    expect(second.items.map((e) => JSON.stringify(e))).not.toContain(JSON.stringify(first.items[0]));
    const bad = await request(app).get('/api/v1/audit-events?from=yesterday&limit=0').set('Authorization', `Bearer ${admin.token}`);
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['from', 'limit']);
    const huge = Buffer.from(JSON.stringify([new Date().toISOString(), '99999999999'])).toString('base64url');
    const beyond = await request(app).get(`/api/v1/audit-events?cursor=${huge}`).set('Authorization', `Bearer ${admin.token}`);
    expect({ status: beyond.status, field: (beyond.body.errors as { field: string }[])?.[0]?.field }).toEqual({ status: 400, field: 'cursor' });
  });

  it('is for admins only', async () => {
    const member = await signupAndLogin(app, 'nosy');
    expect((await request(app).get('/api/v1/audit-events').set('Authorization', `Bearer ${member.token}`)).status).toBe(403);
    expect((await request(app).get('/api/v1/audit-events')).status).toBe(401);
  });
});

describe('request logs', () => {
  let db: TestDatabase;
  let ctx: Context;
  let app: Express;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    db = await freshDatabase();
    const config = loadConfig(testEnv(db, { LOG_LEVEL: 'info' }));
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    ctx = await createContext(config, { logger: createLogger(config, 'api', sink) });
    app = buildApp(ctx);
  });
  afterAll(async () => {
    await ctx.close();
    await deleteRedisPrefix(ctx.config, ctx.config.redisPrefix);
    await db.drop();
  });

  it('never contain the Authorization header, cookies or passwords, and carry route, status, duration and user', async () => {
    const secretPassword = 'Zz9!very-secret-pass';
    const s = await request(app).post('/api/v1/users').send({ name: 'logme', email: 'logme@example.com', password: secretPassword });
    const login = await request(app).post('/api/v1/auth/login').send({ name: 'logme', password: secretPassword });
    const token = login.body.access_token as string;
    const cookie = (login.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    await request(app).post('/api/v1/auth/refresh').set('Cookie', cookie);
    const profile = await request(app)
      .get(`/api/v1/users/${s.body.id as number}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Cookie', cookie);
    expect(profile.status).toBe(200);
    // the request's log line is written when its response has finished
    const ofProfile = (l: Record<string, unknown>) => (l.req as { id?: string } | undefined)?.id === profile.headers['x-request-id'];
    await waitFor('the log line of the profile request', () => lines.some(ofProfile));

    const all = JSON.stringify(lines);
    expect(all).not.toContain(secretPassword);
    expect(all).not.toContain(token);
    expect(all).not.toContain(cookie.split('=')[1]);
    const line = lines.find(ofProfile)!;
    expect(line).toMatchObject({
      service: 'api',
      version: expect.any(String),
      msg: 'request completed',
      req: { method: 'GET' },
      route: '/api/v1/users/:id',
      userId: s.body.id,
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(JSON.stringify(line)).not.toContain(`/users/${s.body.id as number}`); // the pattern, not the raw URL
  });
});
