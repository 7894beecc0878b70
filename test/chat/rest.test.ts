// Chat sessions over the real REST API: sessions CRUD with the creator/admin rules, hiding and closing (audited),
// members, history with before/after keyset cursors, message reads and soft deletes, and the 4xx contract.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import type request from 'supertest';
import { buildApp } from '../../src/app.js';
import { b64url, expectProblem } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { actor, call, type Actor } from '../boards/setup.js';
import { createSession, type Session } from './helpers.js';

let t: TestContext;
let app: Express;
let admin: Actor;
let alice: Actor;
let bob: Actor;
let carol: Actor;

beforeAll(async () => {
  t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000' });
  app = buildApp(t.ctx);
  admin = await actor(t, app, 'admin');
  alice = await actor(t, app);
  bob = await actor(t, app);
  carol = await actor(t, app);
});
afterAll(() => t.cleanup());

const fieldsOf = (res: request.Response) => ((res.body as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field);
const auditOf = (action: string, targetId: number) => t.ctx.prisma.auditEvent.findMany({ where: { action, targetId: String(targetId) } });

/** Stores messages the way the chat server does (one group commit). */
async function seed(session: Session, author: Actor, n: number, prefix = 'm'): Promise<number[]> {
  const results = await t.ctx.services.chat.commitMessages(
    Array.from({ length: n }, (_, i) => ({ sessionId: session.id, authorId: author.id, clientMsgId: `${prefix}${i}`, content: `${prefix} ${i}` })),
  );
  return results.map((r) => {
    if (!r.ok) throw new Error(r.message);
    return r.id;
  });
}

describe(`POST /chat-sessions (${testProvider})`, () => {
  it('opens a session: 201, Location, the creator and the given users as members', async () => {
    const res = await call(app, alice, 'post', '/chat-sessions', { name: 'Project X', information: 'planning', userIds: [bob.id, alice.id] });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/chat-sessions/${res.body.id as number}`);
    expect(res.body).toMatchObject({ name: 'Project X', information: 'planning', creatorId: alice.id, isClosed: false, isVisible: true, memberCount: 2 });
    const members = await call(app, bob, 'get', `/chat-sessions/${res.body.id as number}/members`);
    expect(members.status).toBe(200);
    expect((members.body.items as { userId: number }[]).map((m) => m.userId).sort((x, y) => x - y)).toEqual([alice.id, bob.id].sort((x, y) => x - y));
  });

  it.each([
    ['a missing name', { information: 'x' }, 'name'],
    ['a blank name', { name: '   ' }, 'name'],
    ['a 65-character name', { name: 'n'.repeat(65) }, 'name'],
    ['a 257-character information', { name: 'ok', information: 'i'.repeat(257) }, 'information'],
    ['an unknown field', { name: 'ok', isClosed: true }, 'isClosed'],
    ['a non-integer user id', { name: 'ok', userIds: ['x'] }, 'userIds.0'],
  ])('refuses %s with 400 naming the field', async (_label, body, field) => {
    const res = await call(app, alice, 'post', '/chat-sessions', body);
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toContain(field);
  });

  it('refuses unknown user ids with 400 unknown_user and creates nothing', async () => {
    const before = await t.ctx.prisma.chatSession.count();
    const res = await call(app, alice, 'post', '/chat-sessions', { name: 'ghosts', userIds: [987654] });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'userIds', code: 'unknown_user' })]);
    expect(await t.ctx.prisma.chatSession.count()).toBe(before);
  });

  it('refuses an anonymous caller with 401', async () => {
    expectProblem(await call(app, null, 'post', '/chat-sessions', { name: 'anon' }), 401, 'unauthorized');
  });
});

describe('GET /chat-sessions and /chat-sessions/:id', () => {
  let mine: Session;
  let notMine: Session;
  let hidden: Session;

  beforeAll(async () => {
    mine = await createSession(app, alice, { userIds: [carol.id] });
    notMine = await createSession(app, bob);
    hidden = await createSession(app, alice, { userIds: [carol.id] });
    expect((await call(app, admin, 'patch', `/chat-sessions/${hidden.id}`, { isVisible: false })).status).toBe(200);
  });

  it('lists a member’s visible sessions only, newest first', async () => {
    const res = await call(app, carol, 'get', '/chat-sessions?limit=100');
    expect(res.status).toBe(200);
    const ids = (res.body.items as { id: number }[]).map((s) => s.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(notMine.id);
    expect(ids).not.toContain(hidden.id);
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);
  });

  it('lists every session for an admin, and theirs with mine=true', async () => {
    const all = (await call(app, admin, 'get', '/chat-sessions?limit=100')).body.items as { id: number }[];
    expect(all.map((s) => s.id)).toEqual(expect.arrayContaining([mine.id, notMine.id, hidden.id]));
    const own = await call(app, admin, 'get', '/chat-sessions?mine=true');
    expect(own.status).toBe(200);
    expect(own.body.items).toEqual([]);
  });

  it('pages with cursor and searches names with q', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(app, admin, 'get', `/chat-sessions?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...(res.body.items as { id: number }[]).map((s) => s.id));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual((await t.ctx.prisma.chatSession.findMany({ orderBy: { id: 'desc' }, select: { id: true } })).map((s) => s.id));
    const named = await createSession(app, alice, { name: 'zebra-crossing' });
    const found = await call(app, alice, 'get', '/chat-sessions?q=zebra');
    expect((found.body.items as { id: number }[]).map((s) => s.id)).toEqual([named.id]);
  });

  it.each([
    ['a cursor it never handed out', '/chat-sessions?cursor=bogus', 'cursor'],
    ['a cursor beyond the database ids', `/chat-sessions?cursor=${b64url([1e300])}`, 'cursor'],
    ['limit 0', '/chat-sessions?limit=0', 'limit'],
    ['an unknown parameter', '/chat-sessions?sort=name', 'sort'],
  ])('refuses %s with 400', async (_label, path, field) => {
    const res = await call(app, alice, 'get', path);
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toContain(field);
  });

  it('shows a session to its members and admins; 404 to anyone else, hidden ones to members too', async () => {
    expect((await call(app, carol, 'get', `/chat-sessions/${mine.id}`)).body).toMatchObject({ id: mine.id, memberCount: 2 });
    expect((await call(app, admin, 'get', `/chat-sessions/${notMine.id}`)).status).toBe(200);
    expectProblem(await call(app, carol, 'get', `/chat-sessions/${notMine.id}`), 404, 'chat_session_not_found');
    expectProblem(await call(app, carol, 'get', `/chat-sessions/${hidden.id}`), 404, 'chat_session_not_found');
    expectProblem(await call(app, carol, 'get', '/chat-sessions/99999999'), 404, 'chat_session_not_found');
    const bad = await call(app, carol, 'get', '/chat-sessions/abc');
    expectProblem(bad, 400, 'validation_failed');
    expect(fieldsOf(bad)).toContain('sessionId');
  });
});

describe('PATCH and DELETE /chat-sessions/:id', () => {
  it('lets the creator rename, describe and close it (closing is audited); a member who is not the creator gets 403', async () => {
    const s = await createSession(app, alice, { userIds: [bob.id] });
    const res = await call(app, alice, 'patch', `/chat-sessions/${s.id}`, { name: 'renamed', information: 'about', isClosed: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'renamed', information: 'about', isClosed: true });
    expect(await auditOf('chat.session_closed', s.id)).toHaveLength(1);
    expectProblem(await call(app, bob, 'patch', `/chat-sessions/${s.id}`, { name: 'mine now' }), 403, 'not_creator');
    expectProblem(await call(app, carol, 'patch', `/chat-sessions/${s.id}`, { name: 'who' }), 404, 'chat_session_not_found');
    expect((await call(app, alice, 'patch', `/chat-sessions/${s.id}`, { isClosed: false })).body.isClosed).toBe(false);
    expect(await auditOf('chat.session_reopened', s.id)).toHaveLength(1);
  });

  it('lets only admins hide or show a session (audited)', async () => {
    const s = await createSession(app, alice);
    expectProblem(await call(app, alice, 'patch', `/chat-sessions/${s.id}`, { isVisible: false }), 403, 'forbidden');
    expect((await call(app, admin, 'patch', `/chat-sessions/${s.id}`, { isVisible: false })).body.isVisible).toBe(false);
    expect(await auditOf('chat.session_hidden', s.id)).toEqual([expect.objectContaining({ actorId: admin.id, targetType: 'chat_session' })]);
  });

  it.each([
    ['an empty body', {}, '(root)'],
    ['a non-boolean isClosed', { isClosed: 'yes' }, 'isClosed'],
    ['an unknown field', { creatorId: 1 }, 'creatorId'],
  ])('refuses %s with 400', async (_label, body, field) => {
    const s = await createSession(app, alice);
    const res = await call(app, alice, 'patch', `/chat-sessions/${s.id}`, body);
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toContain(field);
  });

  it('deletes a session with its messages (creator); a member gets 403, and an admin’s delete is audited as moderation', async () => {
    const s = await createSession(app, alice, { userIds: [bob.id] });
    await seed(s, bob, 2);
    expectProblem(await call(app, bob, 'delete', `/chat-sessions/${s.id}`), 403, 'not_creator');
    expect((await call(app, alice, 'delete', `/chat-sessions/${s.id}`)).status).toBe(204);
    expectProblem(await call(app, alice, 'get', `/chat-sessions/${s.id}`), 404, 'chat_session_not_found');
    expect(await t.ctx.prisma.chatMessage.count({ where: { sessionId: s.id } })).toBe(0);
    const other = await createSession(app, bob);
    expect((await call(app, admin, 'delete', `/chat-sessions/${other.id}`)).status).toBe(204);
    expect(await auditOf('chat.session_deleted_by_moderator', other.id)).toHaveLength(1);
  });
});

describe('members', () => {
  it('lets the creator add members (201, then 200 when already one) and refuses others', async () => {
    const s = await createSession(app, alice, { userIds: [bob.id] });
    const first = await call(app, alice, 'put', `/chat-sessions/${s.id}/members/${carol.id}`);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ sessionId: s.id, userId: carol.id });
    expect((await call(app, alice, 'put', `/chat-sessions/${s.id}/members/${carol.id}`)).status).toBe(200);
    expect((await call(app, carol, 'get', `/chat-sessions/${s.id}`)).status).toBe(200); // the cache saw the change
    expectProblem(await call(app, bob, 'put', `/chat-sessions/${s.id}/members/${admin.id}`), 403, 'not_creator');
    expectProblem(await call(app, alice, 'put', `/chat-sessions/${s.id}/members/987654`), 404, 'user_not_found');
    const bad = await call(app, alice, 'put', `/chat-sessions/${s.id}/members/0`);
    expectProblem(bad, 400, 'validation_failed');
    expect(fieldsOf(bad)).toContain('userId');
  });

  it('lets a member leave, the creator remove anyone (audited), and refuses the rest', async () => {
    const s = await createSession(app, alice, { userIds: [bob.id, carol.id] });
    expectProblem(await call(app, bob, 'delete', `/chat-sessions/${s.id}/members/${carol.id}`), 403, 'not_creator');
    expect((await call(app, bob, 'delete', `/chat-sessions/${s.id}/members/${bob.id}`)).status).toBe(204);
    expectProblem(await call(app, bob, 'get', `/chat-sessions/${s.id}`), 404, 'chat_session_not_found');
    expect((await call(app, alice, 'delete', `/chat-sessions/${s.id}/members/${carol.id}`)).status).toBe(204);
    expect(await auditOf('chat.member_removed', s.id)).toEqual([expect.objectContaining({ actorId: alice.id, details: { userId: carol.id } })]);
    expectProblem(await call(app, alice, 'delete', `/chat-sessions/${s.id}/members/${carol.id}`), 404, 'chat_member_not_found');
    const members = await call(app, alice, 'get', `/chat-sessions/${s.id}/members`);
    expect(members.body.items).toEqual([expect.objectContaining({ userId: alice.id, name: alice.name, role: 'user' })]);
  });
});

describe('messages', () => {
  let s: Session;
  let ids: number[];

  beforeAll(async () => {
    s = await createSession(app, alice, { userIds: [bob.id] });
    ids = await seed(s, alice, 7);
  });

  it('pages history newest first: before walks back, after walks forward', async () => {
    const pages: number[][] = [];
    let before: string | null = null;
    let first: request.Response | undefined;
    do {
      const res = await call(app, bob, 'get', `/chat-sessions/${s.id}/messages?limit=3${before ? `&before=${before}` : ''}`);
      expect(res.status).toBe(200);
      first ??= res;
      pages.push((res.body.items as { id: number }[]).map((m) => m.id));
      before = res.body.nextCursor as string | null;
    } while (before);
    expect(pages).toEqual([ids.slice(4).reverse(), ids.slice(1, 4).reverse(), [ids[0]]]);
    expect(first.body.items[0]).toMatchObject({ id: ids[6], sessionId: s.id, authorId: alice.id, authorName: alice.name, content: 'm 6', clientMsgId: 'm6', isVisible: true });
    // from the oldest page, after= returns the next newer messages (still newest first)
    const oldest = await call(app, bob, 'get', `/chat-sessions/${s.id}/messages?limit=3&before=${(await call(app, bob, 'get', `/chat-sessions/${s.id}/messages?limit=6`)).body.nextCursor as string}`);
    const newer = await call(app, bob, 'get', `/chat-sessions/${s.id}/messages?limit=2&after=${oldest.body.prevCursor as string}`);
    expect((newer.body.items as { id: number }[]).map((m) => m.id)).toEqual([ids[2], ids[1]]);
    // a poll for newer messages from the newest page finds the ones written since
    const [late] = await seed(s, alice, 1, 'late');
    const poll = await call(app, bob, 'get', `/chat-sessions/${s.id}/messages?after=${first.body.prevCursor as string}`);
    expect((poll.body.items as { id: number }[]).map((m) => m.id)).toEqual([late]);
  });

  it.each([
    ['before and after together', 'before=WzFd&after=WzFd', 'after'],
    ['a made-up before cursor', 'before=nope', 'before'],
    ['a made-up after cursor', 'after=WyJ4Il0', 'after'],
    ['limit 101', 'limit=101', 'limit'],
  ])('refuses %s with 400', async (_label, qs, field) => {
    const res = await call(app, bob, 'get', `/chat-sessions/${s.id}/messages?${qs}`);
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toContain(field);
  });

  it('refuses history to a non-member with 404', async () => {
    expectProblem(await call(app, carol, 'get', `/chat-sessions/${s.id}/messages`), 404, 'chat_session_not_found');
  });

  it('reads one message; a message of another session is 404', async () => {
    const res = await call(app, bob, 'get', `/chat-sessions/${s.id}/messages/${ids[0]}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ids[0], content: 'm 0' });
    const other = await createSession(app, bob);
    expectProblem(await call(app, bob, 'get', `/chat-sessions/${other.id}/messages/${ids[0]}`), 404, 'chat_message_not_found');
  });

  it('soft-deletes: the author may, another member may not, an admin may (audited); members no longer see it, admins do', async () => {
    const [own, theirs] = await seed(s, bob, 2, 'del');
    expectProblem(await call(app, alice, 'delete', `/chat-sessions/${s.id}/messages/${own}`), 403, 'not_author');
    expect((await call(app, bob, 'delete', `/chat-sessions/${s.id}/messages/${own}`)).status).toBe(204);
    expectProblem(await call(app, bob, 'get', `/chat-sessions/${s.id}/messages/${own}`), 404, 'chat_message_not_found');
    expectProblem(await call(app, bob, 'delete', `/chat-sessions/${s.id}/messages/${own}`), 404, 'chat_message_not_found');
    expect((await call(app, admin, 'get', `/chat-sessions/${s.id}/messages/${own}`)).body).toMatchObject({ id: own, isVisible: false });
    expect(await t.ctx.prisma.chatMessage.findUnique({ where: { id: own } })).toMatchObject({ isVisible: false, content: 'del 0' });
    expect(await auditOf('chat.message_deleted_by_moderator', own)).toEqual([]);
    expect((await call(app, admin, 'delete', `/chat-sessions/${s.id}/messages/${theirs}`)).status).toBe(204);
    expect(await auditOf('chat.message_deleted_by_moderator', theirs)).toEqual([expect.objectContaining({ actorId: admin.id, targetType: 'chat_message' })]);
    const history = (await call(app, bob, 'get', `/chat-sessions/${s.id}/messages?limit=100`)).body.items as { id: number }[];
    expect(history.map((m) => m.id)).not.toEqual(expect.arrayContaining([own]));
    const staffHistory = (await call(app, admin, 'get', `/chat-sessions/${s.id}/messages?limit=100`)).body.items as { id: number }[];
    expect(staffHistory.map((m) => m.id)).toEqual(expect.arrayContaining([own, theirs]));
  });

  it('keeps a closed session read-only: the author can no longer delete, an admin still can', async () => {
    const closed = await createSession(app, alice, { userIds: [bob.id] });
    const [a, b] = await seed(closed, bob, 2, 'c');
    expect((await call(app, alice, 'patch', `/chat-sessions/${closed.id}`, { isClosed: true })).status).toBe(200);
    expectProblem(await call(app, bob, 'delete', `/chat-sessions/${closed.id}/messages/${a}`), 409, 'chat_session_closed');
    expect((await call(app, admin, 'delete', `/chat-sessions/${closed.id}/messages/${b}`)).status).toBe(204);
  });

  it('stores a message once per clientMsgId: a second commit returns the original id', async () => {
    const again = await t.ctx.services.chat.commitMessages([{ sessionId: s.id, authorId: alice.id, clientMsgId: 'm0', content: 'changed' }]);
    expect(again).toEqual([{ ok: true, id: ids[0], createdAt: expect.any(Date), duplicate: true }]);
    expect(await t.ctx.prisma.chatMessage.count({ where: { sessionId: s.id, clientMsgId: 'm0' } })).toBe(1);
  });
});
