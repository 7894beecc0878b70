// The admin JSON API on accounts: GET /users (filters, keyset pages), PATCH /users/:id (role by superusers
// only), PUT /users/:id/boards (exactly these grants), PUT /users/:id/ban — with the 4xx paths.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { b64url, expectProblem } from '../helpers/auth.js';
import { actor, call, createBoard, idsOf, startSuite, type Actor, type Suite } from '../boards/setup.js';

describe('admin API on accounts', () => {
  let s: Suite;
  let admin: Actor;
  let root: Actor;
  let member: Actor;
  let other: Actor;
  beforeAll(async () => {
    s = await startSuite();
    admin = await actor(s.t, s.app, 'admin');
    root = await actor(s.t, s.app, 'superuser');
    member = await actor(s.t, s.app, 'user');
    other = await actor(s.t, s.app, 'user');
  });
  afterAll(async () => {
    await s?.t.cleanup();
  });

  describe('GET /users', () => {
    it('lists accounts newest first, without password hashes, in keyset pages', async () => {
      const first = await call(s.app, admin, 'get', '/users?limit=2');
      expect(first.status).toBe(200);
      expect(idsOf(first.body.items)).toEqual([other.id, member.id]);
      expect(JSON.stringify(first.body)).not.toMatch(/passwordHash|argon2/);
      const second = await call(s.app, admin, 'get', `/users?limit=2&cursor=${first.body.nextCursor}`);
      expect(idsOf(second.body.items)).toEqual([root.id, admin.id]);
      expect(second.body.nextCursor).toBeNull();
    });

    it('filters by q (name or email), role and banned', async () => {
      const byName = await call(s.app, admin, 'get', `/users?q=${member.name.slice(2)}`);
      expect(idsOf(byName.body.items)).toEqual([member.id]);
      const byEmail = await call(s.app, admin, 'get', `/users?q=${encodeURIComponent(other.email.toUpperCase())}`);
      expect(idsOf(byEmail.body.items)).toEqual([other.id]);
      const staff = await call(s.app, admin, 'get', '/users?role=superuser');
      expect(idsOf(staff.body.items)).toEqual([root.id]);
      await call(s.app, admin, 'put', `/users/${other.id}/ban`, { reason: 'spam' }).expect(200);
      const banned = await call(s.app, admin, 'get', '/users?banned=true');
      expect(idsOf(banned.body.items)).toEqual([other.id]);
      await call(s.app, admin, 'delete', `/users/${other.id}/ban`).expect(200);
    });

    it('is for staff only, and rejects bad filters and cursors', async () => {
      expectProblem(await call(s.app, member, 'get', '/users'), 403, 'forbidden');
      expectProblem(await call(s.app, null, 'get', '/users'), 401, 'unauthorized');
      const role = await call(s.app, admin, 'get', '/users?role=god');
      expectProblem(role, 400, 'validation_failed');
      expect(role.body.errors[0]).toMatchObject({ field: 'role', in: 'query' });
      const cursor = await call(s.app, admin, 'get', '/users?cursor=nonsense');
      expectProblem(cursor, 400, 'validation_failed');
      expect(cursor.body.errors[0]).toMatchObject({ field: 'cursor', code: 'invalid_cursor' });
      const huge = await call(s.app, admin, 'get', `/users?cursor=${b64url([1e300])}`);
      expectProblem(huge, 400, 'validation_failed');
      expect(huge.body.errors[0]).toMatchObject({ field: 'cursor', code: 'invalid_cursor' });
      expectProblem(await call(s.app, admin, 'get', '/users?limit=0'), 400, 'validation_failed');
    });
  });

  describe('PATCH /users/:id', () => {
    it('lets an admin change a member’s name and email, audited', async () => {
      const res = await call(s.app, admin, 'patch', `/users/${member.id}`, { name: `${member.name}x`, email: `X${member.email}` });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: `${member.name}x`, email: `x${member.email}` });
      member.name = `${member.name}x`;
      member.email = `x${member.email}`;
      const events = await s.t.ctx.audit.query({ action: 'user.updated', targetId: String(member.id), limit: 5 });
      expect(events.items[0]).toMatchObject({ actorId: admin.id, details: { fields: ['name', 'email'] } });
    });

    it('changes roles for a superuser only', async () => {
      expectProblem(await call(s.app, admin, 'patch', `/users/${other.id}`, { role: 'admin' }), 403, 'forbidden');
      expect((await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: other.id } })).role).toBe('user');
      const ok = await call(s.app, root, 'patch', `/users/${other.id}`, { role: 'admin' });
      expect({ status: ok.status, role: ok.body.role }).toEqual({ status: 200, role: 'admin' });
      // an admin's account is a superuser's to change
      expectProblem(await call(s.app, admin, 'patch', `/users/${other.id}`, { name: 'renamed_admin' }), 403, 'forbidden');
      await call(s.app, root, 'patch', `/users/${other.id}`, { role: 'user' }).expect(200);
    });

    it('answers 400, 404 and 409 with the field', async () => {
      const superRole = await call(s.app, root, 'patch', `/users/${other.id}`, { role: 'superuser' });
      expectProblem(superRole, 400, 'validation_failed');
      expect(superRole.body.errors[0]).toMatchObject({ field: 'role' });
      const email = await call(s.app, admin, 'patch', `/users/${other.id}`, { email: 'nope' });
      expectProblem(email, 400, 'validation_failed');
      expect(email.body.errors[0]).toMatchObject({ field: 'email' });
      expectProblem(await call(s.app, admin, 'patch', `/users/${other.id}`, {}), 400, 'validation_failed');
      expectProblem(await call(s.app, admin, 'patch', '/users/999999', { name: 'ghost' }), 404, 'not_found');
      const taken = await call(s.app, admin, 'patch', `/users/${other.id}`, { name: member.name });
      expectProblem(taken, 409, 'already_exists');
      expect(taken.body.errors).toEqual([expect.objectContaining({ field: 'name', code: 'taken' })]);
      expectProblem(await call(s.app, member, 'patch', `/users/${other.id}`, { name: 'mine_now' }), 403, 'forbidden');
    });
  });

  describe('PUT /users/:id/boards', () => {
    it('sets exactly the member’s grants; the policy sees it on the next request', async () => {
      const a = await createBoard(s.app, admin, { isVisible: false });
      const b = await createBoard(s.app, admin, { isVisible: false });
      const read = (id: number) => call(s.app, member, 'get', `/boards/${id}`);
      expect((await read(a.id)).status).toBe(404);
      const set = await call(s.app, admin, 'put', `/users/${member.id}/boards`, { boardIds: [b.id, a.id, a.id] });
      expect(set.body).toEqual({ boardIds: [a.id, b.id].sort((x, y) => x - y) });
      expect((await read(a.id)).status).toBe(200);
      await call(s.app, admin, 'put', `/users/${member.id}/boards`, { boardIds: [b.id] }).expect(200);
      expect((await read(a.id)).status).toBe(404);
      expect((await read(b.id)).status).toBe(200);
      const removed = await s.t.ctx.audit.query({ action: 'grant.removed', targetId: String(a.id), limit: 5 });
      expect(removed.items[0]).toMatchObject({ actorId: admin.id, details: { userId: member.id } });
      await call(s.app, admin, 'put', `/users/${member.id}/boards`, { boardIds: [] }).expect(200);
      expect((await read(b.id)).status).toBe(404);
    });

    it('answers 400 for unknown boards or a bad body, 404 for an unknown user, 403 for members', async () => {
      const unknown = await call(s.app, admin, 'put', `/users/${member.id}/boards`, { boardIds: [999999] });
      expectProblem(unknown, 400, 'validation_failed');
      expect(unknown.body.errors[0]).toMatchObject({ field: 'boardIds', code: 'unknown_board' });
      const bad = await call(s.app, admin, 'put', `/users/${member.id}/boards`, { boardIds: ['x'] });
      expectProblem(bad, 400, 'validation_failed');
      expectProblem(await call(s.app, admin, 'put', `/users/${member.id}/boards`, {}), 400, 'validation_failed');
      expectProblem(await call(s.app, admin, 'put', '/users/999999/boards', { boardIds: [] }), 404, 'not_found');
      expectProblem(await call(s.app, member, 'put', `/users/${member.id}/boards`, { boardIds: [] }), 403, 'forbidden');
    });
  });

  describe('PUT /users/:id/ban', () => {
    it('bans like POST, needs a reason, and the token dies', async () => {
      const victim = await actor(s.t, s.app, 'user');
      const noReason = await call(s.app, admin, 'put', `/users/${victim.id}/ban`, {});
      expectProblem(noReason, 400, 'validation_failed');
      expect(noReason.body.errors[0]).toMatchObject({ field: 'reason' });
      await call(s.app, admin, 'put', `/users/${victim.id}/ban`, { reason: 'r' }).expect(200);
      expectProblem(await call(s.app, victim, 'get', '/users/me'), 401, 'invalid_token');
    });
  });
});
