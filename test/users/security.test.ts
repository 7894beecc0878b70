// Accounts under attack: names nobody may register (so closing an account cannot be blocked), limits on
// signups, current-password guesses and reset mails, bounded password hashing, reset tokens that a new
// password spends, reset requests that do the same work for every address, and staff-only service rules.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import type { Express } from 'express';
import mariadb from 'mariadb';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import type { Principal } from '../../src/auth/sessions.js';
import { AppError } from '../../src/errors.js';
import { statusOfKind } from '../../src/http/errors.js';
import { mariadbUrl } from '../../src/platform/prisma.js';
import { API, expectProblem, login, makeAdmin, me, PASSWORD, signup, type TestUser } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const principal = (user: { id: number }, role: Principal['role']): Principal => ({ id: user.id, role, jti: 'j', sid: 's', exp: Math.floor(Date.now() / 1000) + 60 });

/** The reset tokens mailed to an address, oldest first: once `expected` are there, or (none expected) once nothing is left to send. */
async function resetTokens(t: TestContext, address: string, expected: number): Promise<string[]> {
  const dir = t.ctx.config.mail.outboxDir;
  const read = () =>
    (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { to: { address: string }[]; text: string })
      .filter((m) => m.to.some((a) => a.address === address))
      .map((m) => /token=([A-Za-z0-9_-]+)/.exec(m.text)![1]);
  if (expected === 0) {
    await t.ctx.services.auth.idle();
    return read();
  }
  return waitFor(`${expected} reset mail(s) to ${address}`, () => {
    const tokens = read();
    return tokens.length >= expected && tokens;
  });
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('account names and closing', () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000' });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());

  it('no member can take the name or email a closed account gets, so closing cannot be blocked', async () => {
    const victim = await signup(app, 'victim');
    const attacker = await signup(app, 'attacker');
    const admin = await signup(app, 'adm');
    await makeAdmin(t.ctx, admin);
    const reserved = [`deleted_${victim.id}`, `Deleted_${victim.id}`, `DELETED_${victim.id}x`];
    for (const name of reserved) {
      const res = await request(app)
        .post(`${API}/users`)
        .send({ name, email: `${name.toLowerCase()}@example.com`, password: PASSWORD });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'name', in: 'body', code: 'invalid_format' })]);
    }
    for (const email of [`deleted_${victim.id}@deleted.invalid`, `Deleted_${victim.id}@DELETED.Invalid`]) {
      const res = await request(app).post(`${API}/users`).send({ name: 'squatter', email, password: PASSWORD });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'email', in: 'body', code: 'invalid_format' })]);
    }
    expect(
      await t.ctx.prisma.user.count({ where: { OR: [{ name: 'squatter' }, { name: { startsWith: 'deleted_' } }, { name: { startsWith: 'Deleted_' } }, { name: { startsWith: 'DELETED_' } }] } }),
    ).toBe(0);

    // nor by renaming: the member's own profile, an admin's edit, the service the CLI uses
    const attackerToken = (await login(app, attacker)).access;
    const own = await request(app)
      .patch(`${API}/users/me`)
      .set(as(attackerToken))
      .send({ name: `deleted_${victim.id}` });
    expectProblem(own, 400, 'validation_failed');
    expect(own.body.errors[0]).toMatchObject({ field: 'name', code: 'invalid_format' });
    const byAdmin = await request(app)
      .patch(`${API}/users/${attacker.id}`)
      .set(as((await login(app, admin)).access))
      .send({ email: `deleted_${victim.id}@deleted.invalid` });
    expectProblem(byAdmin, 400, 'validation_failed');
    expect(byAdmin.body.errors[0]).toMatchObject({ field: 'email', code: 'invalid_format' });
    const viaService = await failure(t.ctx.services.users.create({ name: `deleted_${victim.id}`, email: 'root@example.com', password: PASSWORD }, 'superuser', null));
    expect({ status: statusOfKind[viaService.kind], code: viaService.code, fields: viaService.errors?.map((e) => e.field) }).toEqual({ status: 400, code: 'validation_failed', fields: ['name'] });
    expect((await t.ctx.prisma.user.findUniqueOrThrow({ where: { id: attacker.id } })).name).toBe(attacker.name);

    const victimToken = (await login(app, victim)).access;
    expect((await request(app).delete(`${API}/users/me`).set(as(victimToken)).send({ password: PASSWORD })).status).toBe(204);
    expect(await t.ctx.prisma.user.findUniqueOrThrow({ where: { id: victim.id } })).toMatchObject({
      name: `deleted_${victim.id}`,
      email: `deleted_${victim.id}@deleted.invalid`,
      deletedAt: expect.any(Date),
    });
  });

  it('closes an account even when its closed name and email are already taken (a row from before the rule)', async () => {
    const victim = await signup(app, 'victim');
    await t.ctx.prisma.user.create({ data: { name: `deleted_${victim.id}`, email: `deleted_${victim.id}@deleted.invalid`, passwordHash: '!' } });
    const token = (await login(app, victim)).access;
    expect((await request(app).delete(`${API}/users/me`).set(as(token)).send({ password: PASSWORD })).status).toBe(204);
    const row = await t.ctx.prisma.user.findUniqueOrThrow({ where: { id: victim.id } });
    expect(row.deletedAt).toBeInstanceOf(Date);
    expect(row.name).toMatch(new RegExp(`^deleted_${victim.id}_[0-9a-f]{8}$`));
    expect(row.email).toBe(`${row.name}@deleted.invalid`);
    expectProblem(await me(app, token), 401, 'invalid_token');
    // the name and email are free again
    expect((await request(app).post(`${API}/users`).send({ name: victim.name, email: victim.email, password: PASSWORD })).status).toBe(201);
  });
});

describe('limits on signups and current-password guesses', () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    t = await createTestContext({
      TRUST_PROXY: 'loopback',
      SIGNUP_RATE_LIMIT_IP: '3',
      SIGNUP_RATE_WINDOW_SECONDS: '600',
      LOGIN_RATE_LIMIT_IP: '100000',
      LOGIN_RATE_LIMIT_ACCOUNT: '3',
      LOGIN_RATE_WINDOW_SECONDS: '300',
    });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());
  const signupFrom = (ip: string, name: string) =>
    request(app)
      .post(`${API}/users`)
      .set('X-Forwarded-For', ip)
      .send({ name, email: `${name}@example.com`, password: PASSWORD });

  it('rate-limits signups per client address: then 429 with Retry-After, and nothing is written', async () => {
    for (const name of ['sigA1', 'sigA2', 'sigA3']) expect((await signupFrom('203.0.113.30', name)).status).toBe(201);
    const limited = await signupFrom('203.0.113.30', 'sigA4');
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(600);
    expect(await t.ctx.prisma.user.count({ where: { name: 'sigA4' } })).toBe(0);
    expect((await signupFrom('198.51.100.30', 'sigB1')).status).toBe(201);
  });

  it('counts wrong current passwords per account (PATCH and DELETE /users/me): then 429, even with the right one', async () => {
    const user: TestUser = { id: 0, name: 'guessed', email: 'guessed@example.com', password: PASSWORD };
    user.id = (await signupFrom('198.51.100.31', user.name)).body.id as number;
    const token = (await login(app, user)).access;
    const patch = (body: object) => request(app).patch(`${API}/users/me`).set(as(token)).send(body);
    expectProblem(await patch({ email: 'new@example.com', currentPassword: 'Wr0ng!one' }), 400, 'invalid_current_password');
    expectProblem(await patch({ password: 'N3w!password', currentPassword: 'Wr0ng!two' }), 400, 'invalid_current_password');
    expectProblem(await request(app).delete(`${API}/users/me`).set(as(token)).send({ password: 'Wr0ng!three' }), 400, 'invalid_current_password');
    const limited = await patch({ email: 'new@example.com', currentPassword: PASSWORD });
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(300);
    expectProblem(await request(app).delete(`${API}/users/me`).set(as(token)).send({ password: PASSWORD }), 429, 'rate_limited');
    expect(await t.ctx.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ email: 'guessed@example.com', deletedAt: null });
    // what needs no current password still works; so does the right password of another account
    expect((await patch({ name: 'guessed2' })).status).toBe(200);
    const other = await signup(app);
    const otherToken = (await login(app, other)).access;
    expect(
      (
        await request(app)
          .patch(`${API}/users/me`)
          .set(as(otherToken))
          .send({ email: `x${other.email}`, currentPassword: PASSWORD })
      ).status,
    ).toBe(200);
  });

  it('does not count a right current password', async () => {
    const user = await signup(app);
    const token = (await login(app, user)).access;
    for (let i = 0; i < 5; i++)
      expect(
        (
          await request(app)
            .patch(`${API}/users/me`)
            .set(as(token))
            .send({ email: `n${i}${user.email}`, currentPassword: PASSWORD })
        ).status,
      ).toBe(200);
  });
});

describe('password hashing is bounded process-wide', () => {
  describe('without waiting (PASSWORD_HASH_WAIT_MS=0)', () => {
    let t: TestContext;
    let app: Express;
    beforeAll(async () => {
      t = await createTestContext({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_WAIT_MS: '0', LOGIN_RATE_LIMIT_IP: '100000' });
      app = buildApp(t.ctx);
    });
    afterAll(() => t.cleanup());

    it('answers 503 server_busy with Retry-After while every slot is taken, for signup, login and current-password checks', async () => {
      const user = await signup(app);
      const token = (await login(app, user)).access;
      let release!: () => void;
      const held = t.ctx.passwords.bounded(() => new Promise<void>((r) => (release = r)));
      try {
        expect(t.ctx.passwords.load).toEqual({ active: 1, waiting: 0 });
        const answers = [
          await request(app).post(`${API}/users`).send({ name: 'busyname', email: 'busy@example.com', password: PASSWORD }),
          await request(app).post(`${API}/auth/login`).send({ name: user.name, password: PASSWORD }),
          await request(app)
            .patch(`${API}/users/me`)
            .set(as(token))
            .send({ email: `x${user.email}`, currentPassword: PASSWORD }),
          await request(app).delete(`${API}/users/me`).set(as(token)).send({ password: PASSWORD }),
        ];
        for (const res of answers) {
          expectProblem(res, 503, 'server_busy');
          expect(res.headers['retry-after']).toBe('1');
        }
      } finally {
        release();
        await held;
      }
      expect(await t.ctx.prisma.user.count({ where: { name: 'busyname' } })).toBe(0);
      expect(await t.ctx.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ email: user.email, deletedAt: null });
      // a busy answer is not a wrong guess
      expect(await t.ctx.redis.get(`login:acct:account:${user.id}`)).toBe('0');
      expect(await t.ctx.redis.get(`login:pwcheck:${user.id}`)).toBe('0');
      expect((await request(app).post(`${API}/users`).send({ name: 'busyname', email: 'busy@example.com', password: PASSWORD })).status).toBe(201);
      expect((await request(app).post(`${API}/auth/login`).send({ name: user.name, password: PASSWORD })).status).toBe(200);
    });
  });

  describe('waiting for a slot (PASSWORD_HASH_WAIT_MS)', () => {
    let t: TestContext;
    let app: Express;
    beforeAll(async () => {
      t = await createTestContext({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_WAIT_MS: '60000' });
      app = buildApp(t.ctx);
    });
    afterAll(() => t.cleanup());

    it('queues a signup while the slot is taken and serves it once the slot frees up', async () => {
      let release!: () => void;
      const held = t.ctx.passwords.bounded(() => new Promise<void>((r) => (release = r)));
      const pending = request(app)
        .post(`${API}/users`)
        .send({ name: 'queued', email: 'queued@example.com', password: PASSWORD })
        .then((r) => r);
      await waitFor('the signup to wait for the hashing slot', () => t.ctx.passwords.load.waiting === 1);
      expect(await t.ctx.prisma.user.count({ where: { name: 'queued' } })).toBe(0);
      release();
      await held;
      expect((await pending).status).toBe(201);
      expect(t.ctx.passwords.load).toEqual({ active: 0, waiting: 0 });
    });
  });
});

describe('password reset', () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    t = await createTestContext({
      TRUST_PROXY: 'loopback',
      LOGIN_RATE_LIMIT_IP: '100000',
      PASSWORD_RESET_RATE_LIMIT_ADDRESS: '2',
      PASSWORD_RESET_RATE_LIMIT_IP: '6',
      PASSWORD_RESET_RATE_WINDOW_SECONDS: '600',
    });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());
  let ips = 0;
  /** From an address of its own, unless given: the per-address tests stay clear of the per-IP limit. */
  const requestReset = (email: string, ip = `203.0.113.${100 + ips++}`) => request(app).post(`${API}/auth/password-reset`).set('X-Forwarded-For', ip).send({ email });
  const confirm = (token: string, password: string) => request(app).post(`${API}/auth/password-reset/confirm`).set('X-Forwarded-For', `198.51.100.${ips++}`).send({ token, password });

  it('a reset spends every other outstanding reset token of the account', async () => {
    const user = await signup(app);
    expect((await requestReset(user.email)).status).toBe(202);
    expect((await requestReset(user.email)).status).toBe(202);
    const [first, second] = await resetTokens(t, user.email, 2);
    expect((await confirm(first, 'R3set!first')).status).toBe(204);
    expectProblem(await confirm(second, 'R3set!second'), 400, 'invalid_reset_token');
    await login(app, { name: user.name, password: 'R3set!first' });
  });

  it('a password change spends the reset tokens mailed before it', async () => {
    const user = await signup(app);
    expect((await requestReset(user.email)).status).toBe(202);
    const [token] = await resetTokens(t, user.email, 1);
    const access = (await login(app, user)).access;
    expect((await request(app).patch(`${API}/users/me`).set(as(access)).send({ password: 'Ch4nged!pass', currentPassword: PASSWORD })).status).toBe(200);
    expectProblem(await confirm(token, 'R3set!after'), 400, 'invalid_reset_token');
    await login(app, { name: user.name, password: 'Ch4nged!pass' });
  });

  it('limits requests per email address, known or not, alike: 429 with Retry-After, and no more mails', async () => {
    const user = await signup(app);
    for (const email of [user.email, 'nobody-here@example.com']) {
      expect((await requestReset(email)).status).toBe(202);
      expect((await requestReset(email.toUpperCase())).status).toBe(202);
      const limited = await requestReset(email);
      expectProblem(limited, 429, 'rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(600);
    }
    expect(await resetTokens(t, user.email, 2)).toHaveLength(2);
    await t.ctx.services.auth.idle();
    expect(await t.ctx.prisma.passwordResetToken.count({ where: { userId: user.id } })).toBe(2);
  });

  it('limits requests per client address', async () => {
    for (let i = 0; i < 6; i++) expect((await requestReset(`someone${i}@example.com`, '192.0.2.50')).status).toBe(202);
    expectProblem(await requestReset('someone-else@example.com', '192.0.2.50'), 429, 'rate_limited');
    expect((await requestReset('someone-else@example.com', '192.0.2.51')).status).toBe(202);
  });

  it('does the same work for every address before answering: the lookup, the token and the mail come after', async () => {
    const user = await signup(app);
    // hold the write lock the reset token needs: a request that wrote it before answering could not answer
    const unlock = await lockResetTokens(t);
    try {
      await t.ctx.services.auth.requestPasswordReset(user.email, {});
      await t.ctx.services.auth.requestPasswordReset('nobody-at-all@example.com', {});
    } finally {
      // SQLite's driver waits for a lock synchronously: release it before the work after the answer starts
      await unlock();
    }
    expect(await resetTokens(t, user.email, 1)).toHaveLength(1);
    expect(await resetTokens(t, 'nobody-at-all@example.com', 0)).toHaveLength(0);
    expect(await t.ctx.prisma.auditEvent.count({ where: { action: 'password.reset_requested', targetId: String(user.id) } })).toBe(1);
  });
});

/**
 * Takes the write lock the reset token table needs (SQLite: the database's; MariaDB: a table lock) until
 * the returned function runs (on SQLite it releases synchronously, before any other task can run).
 */
async function lockResetTokens(t: TestContext): Promise<() => Promise<void>> {
  if (testProvider === 'sqlite') {
    const db = new Database(t.ctx.config.sqlitePath!);
    db.exec('BEGIN IMMEDIATE');
    return () => {
      db.exec('ROLLBACK');
      db.close();
      return Promise.resolve();
    };
  }
  const u = new URL(mariadbUrl(t.ctx.config.databaseUrl));
  const conn = await mariadb.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
  });
  await conn.query('LOCK TABLES password_reset_tokens WRITE');
  return async () => {
    await conn.query('UNLOCK TABLES');
    await conn.end();
  };
}

describe('staff-only rules hold whoever calls the service', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext();
  });
  afterAll(() => t.cleanup());

  it('setBanned and forcePasswordReset refuse a member actor: 403 forbidden, nothing changed, nothing mailed', async () => {
    const { users, auth } = t.ctx.services;
    const member = await users.create({ name: 'plainmember', email: 'plainmember@example.com', password: PASSWORD });
    const victim = await users.create({ name: 'victimmember', email: 'victimmember@example.com', password: PASSWORD });
    for (const attempt of [
      users.setBanned(principal(member, 'user'), victim.id, true, 'spam'),
      users.setBanned(principal(member, 'user'), victim.id, false),
      auth.forcePasswordReset(principal(member, 'user'), victim.id, {}),
    ]) {
      const e = await failure(attempt);
      expect({ status: statusOfKind[e.kind], code: e.code }).toEqual({ status: 403, code: 'forbidden' });
    }
    expect((await t.ctx.prisma.user.findUniqueOrThrow({ where: { id: victim.id } })).isBanned).toBe(false);
    expect(await t.ctx.prisma.passwordResetToken.count({ where: { userId: victim.id } })).toBe(0);
    expect(await t.ctx.prisma.auditEvent.count({ where: { targetId: String(victim.id), action: { in: ['user.banned', 'user.unbanned', 'password.reset_forced'] } } })).toBe(0);
    expect(await resetTokens(t, victim.email, 0)).toEqual([]);
    // staff still may
    const admin = await users.create({ name: 'staffer', email: 'staffer@example.com', password: PASSWORD }, 'admin');
    expect((await users.setBanned(principal(admin, 'admin'), victim.id, true, 'spam')).isBanned).toBe(true);
    await auth.forcePasswordReset(principal(admin, 'admin'), victim.id, {});
    expect(await resetTokens(t, victim.email, 1)).toHaveLength(1);
  });
});
