// Accounts over the real API: signup rules, profile, account closing, bans, boards view, password reset.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { expectProblem } from '../helpers/auth.js';
import { waitFor } from '../helpers/wait.js';

const PW = 'Str0ng!pass';
let t: TestContext;
let app: Express;

async function signup(name: string, role: 'user' | 'admin' | 'superuser' = 'user', email = `${name.toLowerCase()}@example.com`) {
  const res = await request(app).post('/api/v1/users').send({ name, email, password: PW });
  expect(res.status).toBe(201);
  if (role !== 'user') await t.ctx.prisma.user.update({ where: { id: res.body.id as number }, data: { role } });
  return res.body as { id: number; name: string; email: string };
}

async function login(name: string, password = PW): Promise<string> {
  const res = await request(app).post('/api/v1/auth/login').send({ name, password });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

const get = (url: string, token: string) => request(app).get(url).set('Authorization', `Bearer ${token}`);
const send = (method: 'post' | 'patch' | 'delete' | 'put', url: string, token: string, body?: object) => request(app)[method](url).set('Authorization', `Bearer ${token}`).send(body);

/** The mails to `to` in the outbox now. */
function mailsTo(to: string): { subject: string; text: string }[] {
  const dir = t.ctx.config.mail.outboxDir;
  const mails = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { to: { address: string }[]; subject: string; text: string })
    : [];
  return mails.filter((m) => m.to.some((a) => a.address === to));
}

/** The mails to `to`, once there is one: the mail is sent in the background, after the answer. */
function outbox(to: string): Promise<{ subject: string; text: string }[]> {
  return waitFor(`a mail to ${to}`, () => {
    const mine = mailsTo(to);
    return mine.length ? mine : null;
  });
}

beforeAll(async () => {
  // many logins from one address: the per-IP login limit is tested in test/auth
  t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '1000' });
  app = buildApp(t.ctx);
});
afterAll(() => t.cleanup());

describe(`signup (${testProvider})`, () => {
  it('creates an account: 201, Location, never the password hash, email stored lower-case', async () => {
    const res = await request(app).post('/api/v1/users').send({ name: 'Alice', email: 'Alice@Example.com', password: PW });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/users/${res.body.id}`);
    expect(res.body).toMatchObject({ name: 'Alice', email: 'alice@example.com', role: 'user', isBanned: false });
    expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|argon2/);
  });

  it.each([
    [{ name: 'Alice', email: 'other@example.com' }, ['name']],
    [{ name: 'Alice2', email: 'ALICE@example.com' }, ['email']],
    [{ name: 'Alice', email: 'alice@example.com' }, ['name', 'email']],
  ])('refuses a taken %j with 409 naming %j', async (body, fields) => {
    const res = await request(app)
      .post('/api/v1/users')
      .send({ ...body, password: PW });
    expectProblem(res, 409, 'already_exists');
    expect((res.body.errors as { field: string }[]).map((e) => e.field)).toEqual(fields);
  });

  it.each([
    ['name', '', 'too_short'],
    ['name', '_lead', 'invalid_format'],
    ['name', 'with space', 'invalid_format'],
    ['name', '\t ', 'invalid_format'],
    ['name', 'x'.repeat(65), 'too_long'],
    ['email', 'not-an-email', 'invalid_format'],
    ['email', 'a@nodot', 'invalid_format'],
    ['email', '   ', 'invalid_format'],
    ['password', 'Aa1!', 'too_short'],
    ['password', 'nouppercase1!', 'invalid_format'],
    ['password', 'NOLOWERCASE1!', 'invalid_format'],
    ['password', 'NoDigitHere!', 'invalid_format'],
    ['password', 'NoSpecial123', 'invalid_format'],
    ['password', '        ', 'invalid_format'],
  ])('rejects %s=%j with 400 naming the field', async (field, value, code) => {
    const body = { name: 'bob', email: 'bob@example.com', password: PW, [field]: value };
    const res = await request(app).post('/api/v1/users').send(body);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, in: 'body', code })]));
    expect(await t.ctx.prisma.user.count({ where: { name: 'bob' } })).toBe(0);
  });
});

describe('my account', () => {
  it('reads and renames it', async () => {
    await signup('carol');
    const token = await login('carol');
    expect((await get('/api/v1/users/me', token)).body).toMatchObject({ name: 'carol', email: 'carol@example.com' });
    const res = await send('patch', '/api/v1/users/me', token, { name: 'carol2' });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('carol2');
  });

  it("sets the admin panel's language (en, ko, or null for the browser's) without the current password", async () => {
    await signup('kim');
    const token = await login('kim');
    expect((await get('/api/v1/users/me', token)).body.locale).toBeNull();
    const audited = await t.ctx.prisma.auditEvent.count();
    const ko = await send('patch', '/api/v1/users/me', token, { locale: 'ko' });
    expect(ko.status).toBe(200);
    expect(ko.body.locale).toBe('ko');
    expect((await get('/api/v1/users/me', token)).body.locale).toBe('ko');
    for (const locale of ['fr', 'KO', '', 7]) {
      const bad = await send('patch', '/api/v1/users/me', token, { locale });
      expectProblem(bad, 400, 'validation_failed');
      expect(bad.body.errors[0]).toMatchObject({ field: 'locale', in: 'body' });
    }
    expect((await t.ctx.prisma.user.findUniqueOrThrow({ where: { name: 'kim' } })).locale).toBe('ko');
    const reset = await send('patch', '/api/v1/users/me', token, { locale: null });
    expect(reset.status).toBe(200);
    expect(reset.body.locale).toBeNull();
    // a display preference: not an audited change
    expect(await t.ctx.prisma.auditEvent.count()).toBe(audited);
  });

  it('needs the current password to change email or password', async () => {
    await signup('dave');
    const token = await login('dave');
    const missing = await send('patch', '/api/v1/users/me', token, { email: 'dave2@example.com' });
    expectProblem(missing, 400, 'invalid_current_password');
    expect(missing.body.errors[0]).toMatchObject({ field: 'currentPassword', code: 'required' });
    const wrong = await send('patch', '/api/v1/users/me', token, { email: 'dave2@example.com', currentPassword: 'Wr0ng!pass' });
    expectProblem(wrong, 400, 'invalid_current_password');
    expect(wrong.body.errors[0]).toMatchObject({ field: 'currentPassword', code: 'mismatch' });
    const ok = await send('patch', '/api/v1/users/me', token, { email: 'Dave2@example.com', currentPassword: PW });
    expect(ok.status).toBe(200);
    expect(ok.body.email).toBe('dave2@example.com');
    const taken = await send('patch', '/api/v1/users/me', token, { name: 'carol2' });
    expectProblem(taken, 409, 'already_exists');
  });

  it('ends every session when the password changes', async () => {
    await signup('erin');
    const old = await login('erin');
    const other = await login('erin');
    const res = await send('patch', '/api/v1/users/me', old, { password: 'N3w!password', currentPassword: PW });
    expect(res.status).toBe(200);
    expectProblem(await get('/api/v1/users/me', old), 401, 'invalid_token');
    expectProblem(await get('/api/v1/users/me', other), 401, 'invalid_token');
    expectProblem(await request(app).post('/api/v1/auth/login').send({ name: 'erin', password: PW }), 401, 'invalid_credentials');
    const fresh = await login('erin', 'N3w!password');
    expect((await get('/api/v1/users/me', fresh)).status).toBe(200);
  });

  it('closes the account: soft delete, sessions end, name and email freed, content keeps its author', async () => {
    const frank = await signup('frank');
    const token = await login('frank');
    const board = await t.ctx.prisma.board.create({ data: { name: 'b-frank' } });
    const post = await t.ctx.prisma.post.create({ data: { boardId: board.id, authorId: frank.id, name: 'p', content: 'c' } });
    expectProblem(await send('delete', '/api/v1/users/me', token, { password: 'Wr0ng!pass' }), 400, 'invalid_current_password');
    expect((await send('delete', '/api/v1/users/me', token, { password: PW })).status).toBe(204);
    expectProblem(await get('/api/v1/users/me', token), 401, 'invalid_token');
    expectProblem(await request(app).post('/api/v1/auth/login').send({ name: 'frank', password: PW }), 401, 'invalid_credentials');
    const row = await t.ctx.prisma.user.findUniqueOrThrow({ where: { id: frank.id } });
    expect(row.deletedAt).toBeInstanceOf(Date);
    expect(row.name).toBe(`deleted_${frank.id}`);
    expect((await t.ctx.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).authorId).toBe(frank.id);
    await signup('frank'); // the name and email are free again
  });
});

describe('profiles and bans', () => {
  it('shows members a public profile and admins the full record', async () => {
    const gina = await signup('gina');
    await signup('hank');
    await signup('ivy_admin', 'admin');
    const member = await get(`/api/v1/users/${gina.id}`, await login('hank'));
    expect(member.status).toBe(200);
    expect(Object.keys(member.body as object).sort()).toEqual(['id', 'joinDate', 'name', 'role']);
    const admin = await get(`/api/v1/users/${gina.id}`, await login('ivy_admin'));
    expect(admin.body.email).toBe('gina@example.com');
    expectProblem(await get('/api/v1/users/999999', await login('hank')), 404, 'not_found');
    expectProblem(await get('/api/v1/users/abc', await login('hank')), 400, 'validation_failed');
    expectProblem(await request(app).get(`/api/v1/users/${gina.id}`), 401, 'unauthorized');
  });

  it('a ban cuts access at once and blocks login; unban restores it; members cannot ban', async () => {
    const jack = await signup('jack');
    const jackToken = await login('jack');
    const admin = await login('ivy_admin');
    expectProblem(await send('post', `/api/v1/users/${jack.id}/ban`, await login('hank'), { reason: 'spam' }), 403, 'forbidden');
    expectProblem(await send('post', `/api/v1/users/${jack.id}/ban`, admin, {}), 400, 'validation_failed');
    const ban = await send('post', `/api/v1/users/${jack.id}/ban`, admin, { reason: 'spam' });
    expect(ban.status).toBe(200);
    expect(ban.body).toMatchObject({ isBanned: true, banReason: 'spam' });
    expectProblem(await get('/api/v1/users/me', jackToken), 401, 'invalid_token');
    expectProblem(await request(app).post('/api/v1/auth/login').send({ name: 'jack', password: PW }), 403, 'user_banned');
    expect((await send('delete', `/api/v1/users/${jack.id}/ban`, admin)).body.isBanned).toBe(false);
    expect((await get('/api/v1/users/me', await login('jack'))).status).toBe(200);
    expect(await t.ctx.prisma.auditEvent.count({ where: { action: 'user.banned', targetId: String(jack.id) } })).toBe(1);
  });

  it('an admin cannot ban a superuser or another admin; a superuser can ban an admin', async () => {
    const root = await signup('root_su', 'superuser');
    const otherAdmin = await signup('kim_admin', 'admin');
    const admin = await login('ivy_admin');
    expectProblem(await send('post', `/api/v1/users/${root.id}/ban`, admin, { reason: 'x' }), 403, 'forbidden');
    expectProblem(await send('post', `/api/v1/users/${otherAdmin.id}/ban`, admin, { reason: 'x' }), 403, 'forbidden');
    expect((await send('post', `/api/v1/users/${otherAdmin.id}/ban`, await login('root_su'), { reason: 'x' })).status).toBe(200);
  });
});

describe('roles', () => {
  it('a superuser makes a member admin and back; the old tokens die, a refresh carries the new role', async () => {
    const pia = await signup('pia');
    const login1 = await request(app).post('/api/v1/auth/login').send({ name: 'pia', password: PW });
    const oldToken = login1.body.access_token as string;
    const cookie = (login1.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    await signup('root_roles', 'superuser');
    const su = await login('root_roles');
    expectProblem(await send('put', `/api/v1/users/${pia.id}/role`, await login('ivy_admin'), { role: 'admin' }), 403, 'forbidden');
    expectProblem(await send('put', `/api/v1/users/${pia.id}/role`, su, { role: 'superuser' }), 400, 'validation_failed');
    const up = await send('put', `/api/v1/users/${pia.id}/role`, su, { role: 'admin' });
    expect(up.status).toBe(200);
    expect(up.body.role).toBe('admin');
    expectProblem(await get('/api/v1/users/me', oldToken), 401, 'invalid_token');
    const refreshed = await request(app).post('/api/v1/auth/refresh').set('Cookie', cookie);
    expect(refreshed.status).toBe(200);
    const claims = JSON.parse(Buffer.from((refreshed.body.access_token as string).split('.')[1], 'base64url').toString()) as { role: string };
    expect(claims.role).toBe('admin');
    expect((await send('put', `/api/v1/users/${pia.id}/role`, su, { role: 'user' })).body.role).toBe('user');
    const rootId = (await t.ctx.prisma.user.findUniqueOrThrow({ where: { name: 'root_roles' } })).id;
    expectProblem(await send('put', `/api/v1/users/${rootId}/role`, su, { role: 'user' }), 403, 'forbidden');
    expect(await t.ctx.prisma.auditEvent.count({ where: { action: 'user.role_changed', targetId: String(pia.id) } })).toBe(2);
  });
});

describe('my boards', () => {
  it('lists the boards I may read, and why', async () => {
    const lena = await signup('lena');
    const pub = await t.ctx.prisma.board.create({ data: { name: 'public-1' } });
    const hidden = await t.ctx.prisma.board.create({ data: { name: 'hidden-1', isVisible: false } });
    const granted = await t.ctx.prisma.board.create({ data: { name: 'hidden-granted', isVisible: false } });
    const disabled = await t.ctx.prisma.board.create({ data: { name: 'disabled-1', isAvailable: false } });
    await t.ctx.prisma.userBoardPermission.create({ data: { userId: lena.id, boardId: granted.id } });
    const mine = (await get('/api/v1/users/me/boards', await login('lena'))).body.items as { id: number; access: string; name: string }[];
    const byId = Object.fromEntries(mine.map((b) => [b.id, b.access]));
    expect(byId[pub.id]).toBe('public');
    expect(byId[granted.id]).toBe('granted');
    expect(byId[hidden.id]).toBeUndefined();
    expect(byId[disabled.id]).toBeUndefined();
    expect(mine.map((b) => b.name)).not.toContain('hidden-1');
    const adminView = (await get('/api/v1/users/me/boards', await login('ivy_admin'))).body.items as { id: number; access: string }[];
    expect(adminView.filter((b) => [pub.id, hidden.id, granted.id, disabled.id].includes(b.id)).map((b) => b.access)).toEqual(['admin', 'admin', 'admin', 'admin']);
  });
});

describe('password reset', () => {
  const tokenIn = (text: string) => /token=([A-Za-z0-9_-]+)/.exec(text)?.[1];

  it('answers 202 alike for known and unknown addresses, mails a single-use token, and ends every session', async () => {
    await signup('mona');
    const before = await login('mona');
    const known = await request(app).post('/api/v1/auth/password-reset').send({ email: 'MONA@example.com' });
    const unknown = await request(app).post('/api/v1/auth/password-reset').send({ email: 'nobody@example.com' });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    const mails = await outbox('mona@example.com');
    expect(mails).toHaveLength(1);
    const token = tokenIn(mails[0].text);
    expect(token).toBeDefined();
    // none to the unknown address: not by the time the known one's came, nor a second later (a wait for something
    // not to happen, which a slow machine can only make see less, never fail wrongly)
    await new Promise((r) => setTimeout(r, 1000));
    expect(mailsTo('nobody@example.com')).toEqual([]);
    // the token is stored hashed only
    expect(await t.ctx.prisma.passwordResetToken.count({ where: { tokenHash: token! } })).toBe(0);

    const weak = await request(app).post('/api/v1/auth/password-reset/confirm').send({ token, password: 'weak' });
    expectProblem(weak, 400, 'validation_failed');
    expect(weak.body.errors[0].field).toBe('password');
    expect((await request(app).post('/api/v1/auth/password-reset/confirm').send({ token, password: 'R3set!pass' })).status).toBe(204);
    expectProblem(await get('/api/v1/users/me', before), 401, 'invalid_token');
    await login('mona', 'R3set!pass');
    const again = await request(app).post('/api/v1/auth/password-reset/confirm').send({ token, password: 'Other!pass1' });
    expectProblem(again, 400, 'invalid_reset_token');
    expect(again.body.errors[0].field).toBe('token');
    expectProblem(await request(app).post('/api/v1/auth/password-reset/confirm').send({ token: 'made-up-token', password: 'Other!pass1' }), 400, 'invalid_reset_token');
  });

  it('refuses an expired token', async () => {
    await signup('nick');
    await request(app).post('/api/v1/auth/password-reset').send({ email: 'nick@example.com' });
    const token = tokenIn((await outbox('nick@example.com'))[0].text);
    const user = await t.ctx.prisma.user.findUniqueOrThrow({ where: { name: 'nick' } });
    await t.ctx.prisma.passwordResetToken.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expectProblem(await request(app).post('/api/v1/auth/password-reset/confirm').send({ token, password: 'R3set!pass' }), 400, 'invalid_reset_token');
    await login('nick');
  });

  it('lets an admin send a member the reset mail; members may not', async () => {
    const olga = await signup('olga');
    expectProblem(await send('post', `/api/v1/users/${olga.id}/password-reset`, await login('hank')), 403, 'forbidden');
    expect((await send('post', `/api/v1/users/${olga.id}/password-reset`, await login('ivy_admin'))).status).toBe(202);
    expect(tokenIn((await outbox('olga@example.com'))[0].text)).toBeDefined();
    expect(await t.ctx.prisma.auditEvent.count({ where: { action: 'password.reset_forced', targetId: String(olga.id) } })).toBe(1);
    expectProblem(await send('post', '/api/v1/users/999999/password-reset', await login('ivy_admin')), 404, 'not_found');
  });
});
