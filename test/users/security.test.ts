// Accounts under attack: names nobody may register, so that closing an account cannot be blocked.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { AppError } from '../../src/http/errors.js';
import { API, expectProblem, login, makeAdmin, PASSWORD, signup } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

const as = (token: string) => ({ Authorization: `Bearer ${token}` });

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
      const res = await request(app).post(`${API}/users`).send({ name, email: `${name.toLowerCase()}@example.com`, password: PASSWORD });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'name', in: 'body', code: 'invalid_format' })]);
    }
    for (const email of [`deleted_${victim.id}@deleted.invalid`, `Deleted_${victim.id}@DELETED.Invalid`]) {
      const res = await request(app).post(`${API}/users`).send({ name: 'squatter', email, password: PASSWORD });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'email', in: 'body', code: 'invalid_format' })]);
    }
    expect(await t.ctx.prisma.user.count({ where: { OR: [{ name: 'squatter' }, { name: { startsWith: 'deleted_' } }, { name: { startsWith: 'Deleted_' } }, { name: { startsWith: 'DELETED_' } }] } })).toBe(0);

    // nor by renaming: the member's own profile, an admin's edit, the service the CLI uses
    const attackerToken = (await login(app, attacker)).access;
    const own = await request(app).patch(`${API}/users/me`).set(as(attackerToken)).send({ name: `deleted_${victim.id}` });
    expectProblem(own, 400, 'validation_failed');
    expect(own.body.errors[0]).toMatchObject({ field: 'name', code: 'invalid_format' });
    const byAdmin = await request(app).patch(`${API}/users/${attacker.id}`).set(as((await login(app, admin)).access)).send({ email: `deleted_${victim.id}@deleted.invalid` });
    expectProblem(byAdmin, 400, 'validation_failed');
    expect(byAdmin.body.errors[0]).toMatchObject({ field: 'email', code: 'invalid_format' });
    const viaService = await failure(t.ctx.services.users.create({ name: `deleted_${victim.id}`, email: 'root@example.com', password: PASSWORD }, 'superuser', null));
    expect({ status: viaService.status, code: viaService.code, fields: viaService.errors?.map((e) => e.field) }).toEqual({ status: 400, code: 'validation_failed', fields: ['name'] });
    expect((await t.ctx.prisma.user.findUniqueOrThrow({ where: { id: attacker.id } })).name).toBe(attacker.name);

    const victimToken = (await login(app, victim)).access;
    expect((await request(app).delete(`${API}/users/me`).set(as(victimToken)).send({ password: PASSWORD })).status).toBe(204);
    expect(await t.ctx.prisma.user.findUniqueOrThrow({ where: { id: victim.id } })).toMatchObject({ name: `deleted_${victim.id}`, email: `deleted_${victim.id}@deleted.invalid`, deletedAt: expect.any(Date) });
  });
});
