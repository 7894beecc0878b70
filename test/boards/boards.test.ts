// Boards over the real API: listing, CRUD, hide/show grant rules, grants, 404-not-403 for boards one may
// not read (the name never leaks), audit events, and the anonymous-read mode.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { API, expectProblem } from '../helpers/auth.js';
import type { TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { actor, boardName, call, createBoard, idsOf, startSuite, type Actor, type Board, type Method } from './setup.js';

let t: TestContext;
let app: Express;
let admin: Actor;
let admin2: Actor;
let superuser: Actor;
let member: Actor;
let other: Actor;
/** Every staff account of the suite, sorted: hiding or creating a hidden board grants it to all of them. */
let staffIds: number[];

const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
const errorsOf = (res: request.Response) => res.body.errors as { field: string; in?: string; code: string }[];

beforeAll(async () => {
  ({ t, app } = await startSuite());
  admin = await actor(t, app, 'admin');
  admin2 = await actor(t, app, 'admin');
  superuser = await actor(t, app, 'superuser');
  member = await actor(t, app);
  other = await actor(t, app);
  staffIds = sorted([admin.id, admin2.id, superuser.id]);
});
afterAll(() => t.cleanup());

describe(`GET /boards (${testProvider})`, () => {
  let pub: Board;
  let hidden: Board;
  let granted: Board;
  let disabled: Board;
  let disabledGranted: Board;
  beforeAll(async () => {
    pub = await createBoard(app, admin, { name: boardName('list-public') });
    hidden = await createBoard(app, admin, { name: boardName('list-hidden'), isVisible: false });
    granted = await createBoard(app, admin, { name: boardName('list-granted'), isVisible: false, userIds: [member.id] });
    disabled = await createBoard(app, admin, { name: boardName('list-disabled'), isAvailable: false });
    disabledGranted = await createBoard(app, admin, { name: boardName('list-disabled-granted'), isVisible: false, isAvailable: false, userIds: [member.id] });
  });
  const mine = () => [pub.id, hidden.id, granted.id, disabled.id, disabledGranted.id];

  it('shows a member the public boards and the hidden ones they hold a grant for, with why', async () => {
    const res = await call(app, member, 'get', '/boards');
    expect(res.status).toBe(200);
    const items = (res.body.items as Board[]).filter((b) => mine().includes(b.id));
    expect(items.map((b) => [b.id, b.access])).toEqual([
      [pub.id, 'public'],
      [granted.id, 'granted'],
    ]);
    expect(items[0]).toMatchObject({ name: pub.name, information: '', isVisible: true, isAvailable: true });
    const text = JSON.stringify(res.body);
    for (const b of [hidden, disabled, disabledGranted]) expect(text).not.toContain(b.name);
  });

  it('shows another member only the public board', async () => {
    const res = await call(app, other, 'get', '/boards');
    expect(res.status).toBe(200);
    expect((res.body.items as Board[]).filter((b) => mine().includes(b.id)).map((b) => [b.id, b.access])).toEqual([[pub.id, 'public']]);
  });

  it('shows admins and superusers every board with access "admin"', async () => {
    for (const who of [admin, superuser]) {
      const res = await call(app, who, 'get', '/boards');
      expect(res.status).toBe(200);
      expect((res.body.items as Board[]).filter((b) => mine().includes(b.id)).map((b) => [b.id, b.access])).toEqual(mine().map((id) => [id, 'admin']));
    }
  });

  it('answers 401 unauthorized without a token and 401 invalid_token with a bad one', async () => {
    const res = await request(app).get(`${API}/boards`);
    expectProblem(res, 401, 'unauthorized');
    expect(JSON.stringify(res.body)).not.toContain(pub.name);
    expectProblem(await request(app).get(`${API}/boards`).set('Authorization', 'Bearer a.b.c'), 401, 'invalid_token');
  });

  it('GET /users/me/boards lists the same boards, with the same access, as GET /boards', async () => {
    for (const who of [member, other, admin]) {
      const boards = await call(app, who, 'get', '/boards');
      const myBoards = await call(app, who, 'get', '/users/me/boards');
      expect(boards.status).toBe(200);
      expect(myBoards.status).toBe(200);
      const pairs = (items: Board[]) => items.map((b) => [b.id, b.access]).sort((a, b) => (a[0] as number) - (b[0] as number));
      expect(pairs(myBoards.body.items as Board[])).toEqual(pairs(boards.body.items as Board[]));
      expect((boards.body.items as Board[]).length).toBeGreaterThan(0);
    }
  });
});

describe('POST /boards', () => {
  it('lets an admin create a board: 201, Location, defaults', async () => {
    const name = boardName('created');
    const res = await call(app, admin, 'post', '/boards', { name, information: 'about it' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/boards/${res.body.id}`);
    expect(res.body).toMatchObject({ id: expect.any(Number), name, information: 'about it', isVisible: true, isAvailable: true });
    const row = await t.ctx.prisma.board.findUniqueOrThrow({ where: { id: res.body.id as number } });
    expect(row).toMatchObject({ name, information: 'about it', isVisible: true, isAvailable: true });
    const fetched = await request(app).get(res.headers.location).set('Authorization', `Bearer ${member.token}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ id: res.body.id, name, access: 'public' });
    // a public board has no grants
    expect(await t.ctx.prisma.userBoardPermission.count({ where: { boardId: res.body.id as number } })).toBe(0);
  });

  it('refuses a member with 403 forbidden and a missing token with 401', async () => {
    const name = boardName('nope');
    expectProblem(await call(app, member, 'post', '/boards', { name }), 403, 'forbidden');
    expectProblem(await call(app, null, 'post', '/boards', { name }), 401, 'unauthorized');
    expect(await t.ctx.prisma.board.count({ where: { name } })).toBe(0);
  });

  it('refuses a taken name with 409 already_exists naming name', async () => {
    const first = await createBoard(app, admin);
    const res = await call(app, admin, 'post', '/boards', { name: first.name });
    expectProblem(res, 409, 'already_exists');
    expect(errorsOf(res).map((e) => e.field)).toEqual(['name']);
    expect(await t.ctx.prisma.board.count({ where: { name: first.name } })).toBe(1);
  });

  it.each([
    ['visible: true', { isVisible: true }],
    ['visible by default', {}],
  ])('refuses userIds for a public board (%s) with 400 naming userIds', async (_label, extra) => {
    const name = boardName('ids-public');
    const res = await call(app, admin, 'post', '/boards', { name, userIds: [member.id], ...extra });
    expectProblem(res, 400, 'validation_failed');
    expect(errorsOf(res)).toEqual([expect.objectContaining({ field: 'userIds', code: 'not_hidden' })]);
    expect(await t.ctx.prisma.board.count({ where: { name } })).toBe(0);
  });

  it('refuses an unknown user id with 400 unknown_user naming userIds, and creates nothing', async () => {
    const name = boardName('ids-unknown');
    const res = await call(app, admin, 'post', '/boards', { name, isVisible: false, userIds: [member.id, 987654] });
    expectProblem(res, 400, 'validation_failed');
    expect(errorsOf(res)).toEqual([expect.objectContaining({ field: 'userIds', code: 'unknown_user' })]);
    expect(await t.ctx.prisma.board.count({ where: { name } })).toBe(0);
  });

  it.each([
    ['name', { name: '' }],
    ['name', { name: '   ' }],
    ['name', { name: 'x'.repeat(129) }],
    ['information', { name: 'ok-info', information: 'y'.repeat(513) }],
    ['userIds', { name: 'ok-ids', isVisible: false, userIds: ['one'] }],
    ['isVisible', { name: 'ok-vis', isVisible: 'no' }],
  ])('rejects a bad %s with 400 validation_failed', async (field, body) => {
    const res = await call(app, admin, 'post', '/boards', body);
    expectProblem(res, 400, 'validation_failed');
    expect(errorsOf(res).map((e) => e.field)).toContainEqual(expect.stringMatching(new RegExp(`^${field}`)));
    expect(await t.ctx.prisma.board.count({ where: { name: body.name } })).toBe(0);
  });

  it('rejects a body without a name and unknown properties', async () => {
    expectProblem(await call(app, admin, 'post', '/boards', { information: 'x' }), 400, 'validation_failed');
    expectProblem(await call(app, admin, 'post', '/boards', { name: boardName(), color: 'red' }), 400, 'validation_failed');
  });

  it('grants a new hidden board to the named users and every admin', async () => {
    const res = await call(app, admin, 'post', '/boards', { name: boardName('hidden-new'), isVisible: false, userIds: [member.id, member.id] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ isVisible: false, isAvailable: true });
    const id = res.body.id as number;
    const grants = await call(app, admin, 'get', `/boards/${id}/grants`);
    expect(grants.status).toBe(200);
    expect(grants.body).toEqual({ userIds: sorted([...staffIds, member.id]) });
    expect((await call(app, member, 'get', `/boards/${id}`)).body).toMatchObject({ id, access: 'granted' });
    expectProblem(await call(app, other, 'get', `/boards/${id}`), 404, 'board_not_found');
  });

  it('grants a hidden board created without userIds to the admins only', async () => {
    const board = await createBoard(app, admin2, { isVisible: false });
    expect((await call(app, admin, 'get', `/boards/${board.id}/grants`)).body).toEqual({ userIds: staffIds });
  });
});

describe('GET /boards/:boardId', () => {
  let pub: Board;
  let hidden: Board;
  let disabled: Board;
  let disabledGranted: Board;
  beforeAll(async () => {
    pub = await createBoard(app, admin, { name: boardName('get-public'), information: 'public info' });
    hidden = await createBoard(app, admin, { name: boardName('get-secret-hidden'), isVisible: false, userIds: [other.id] });
    disabled = await createBoard(app, admin, { name: boardName('get-secret-disabled'), isAvailable: false });
    disabledGranted = await createBoard(app, admin, { name: boardName('get-secret-dis-granted'), isVisible: false, isAvailable: false, userIds: [member.id] });
  });

  it('gives a member a public board with access "public" and an admin with "admin"', async () => {
    const res = await call(app, member, 'get', `/boards/${pub.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: pub.id, name: pub.name, information: 'public info', isVisible: true, isAvailable: true, access: 'public' });
    expect(res.body.createDate).toEqual(expect.any(String));
    expect((await call(app, admin, 'get', `/boards/${pub.id}`)).body.access).toBe('admin');
  });

  it.each([
    ['a hidden board without a grant', () => hidden],
    ['a disabled board', () => disabled],
    ['a disabled hidden board, even with a grant', () => disabledGranted],
  ])('answers a member asking for %s with 404 board_not_found, never naming it', async (_label, which) => {
    const board = which();
    const res = await call(app, member, 'get', `/boards/${board.id}`);
    expectProblem(res, 404, 'board_not_found');
    expect(JSON.stringify(res.body)).not.toContain(board.name);
    expect(JSON.stringify(res.body)).not.toContain('secret');
    // the same answer as for a board that does not exist at all
    const missing = await call(app, member, 'get', '/boards/999999');
    expectProblem(missing, 404, 'board_not_found');
    const strip = ({ requestId: _r, instance: _i, ...rest }: Record<string, unknown>) => rest;
    expect(strip(res.body as Record<string, unknown>)).toEqual(strip(missing.body as Record<string, unknown>));
  });

  it('lets the grant holder read the hidden board, and admins every board', async () => {
    expect((await call(app, other, 'get', `/boards/${hidden.id}`)).body).toMatchObject({ id: hidden.id, access: 'granted' });
    for (const b of [hidden, disabled, disabledGranted]) {
      const res = await call(app, admin, 'get', `/boards/${b.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: b.id, name: b.name, access: 'admin' });
    }
  });

  it('answers a board that does not exist with 404 board_not_found, for admins too', async () => {
    expectProblem(await call(app, admin, 'get', '/boards/999999'), 404, 'board_not_found');
  });

  it.each(['abc', '1.5', '0', '-3'])('rejects the id %p with 400 validation_failed', async (id) => {
    const res = await call(app, member, 'get', `/boards/${id}`);
    expectProblem(res, 400, 'validation_failed');
    expect(errorsOf(res)[0]).toMatchObject({ field: 'boardId', in: 'params' });
  });

  it('answers 401 unauthorized without a token (ANONYMOUS_READ off)', async () => {
    const res = await call(app, null, 'get', `/boards/${pub.id}`);
    expectProblem(res, 401, 'unauthorized');
    expect(JSON.stringify(res.body)).not.toContain(pub.name);
  });
});

describe('PATCH /boards/:boardId', () => {
  it('lets an admin rename and describe a board: 200 with the board', async () => {
    const board = await createBoard(app, admin);
    const name = boardName('renamed');
    const res = await call(app, admin, 'patch', `/boards/${board.id}`, { name, information: 'new info' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: board.id, name, information: 'new info', isVisible: true, isAvailable: true });
    expect(await t.ctx.prisma.board.findUniqueOrThrow({ where: { id: board.id } })).toMatchObject({ name, information: 'new info' });
  });

  it('refuses a member (403), an empty patch (400), an unknown board (404) and a taken name (409)', async () => {
    const board = await createBoard(app, admin);
    const taken = await createBoard(app, admin);
    expectProblem(await call(app, member, 'patch', `/boards/${board.id}`, { name: boardName() }), 403, 'forbidden');
    expectProblem(await call(app, member, 'patch', `/boards/${board.id}`, { isAvailable: false }), 403, 'forbidden');
    expectProblem(await call(app, admin, 'patch', `/boards/${board.id}`, {}), 400, 'validation_failed');
    expectProblem(await call(app, admin, 'patch', '/boards/999999', { name: boardName() }), 404, 'board_not_found');
    const dup = await call(app, admin, 'patch', `/boards/${board.id}`, { name: taken.name });
    expectProblem(dup, 409, 'already_exists');
    expect(errorsOf(dup).map((e) => e.field)).toEqual(['name']);
    expect(await t.ctx.prisma.board.findUniqueOrThrow({ where: { id: board.id } })).toMatchObject({ name: board.name, isAvailable: true });
  });

  it('hiding a public board grants it to every admin and to userIds', async () => {
    const board = await createBoard(app, admin);
    const res = await call(app, admin, 'patch', `/boards/${board.id}`, { isVisible: false, userIds: [member.id] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: board.id, isVisible: false, isAvailable: true });
    expect((await call(app, admin, 'get', `/boards/${board.id}/grants`)).body).toEqual({ userIds: sorted([...staffIds, member.id]) });
    expect((await call(app, member, 'get', `/boards/${board.id}`)).body.access).toBe('granted');
    expectProblem(await call(app, other, 'get', `/boards/${board.id}`), 404, 'board_not_found');
  });

  it('making a hidden board public deletes all its grants', async () => {
    const board = await createBoard(app, admin, { isVisible: false, userIds: [member.id] });
    expect((await call(app, member, 'get', `/boards/${board.id}`)).body.access).toBe('granted');
    const res = await call(app, admin, 'patch', `/boards/${board.id}`, { isVisible: true });
    expect(res.status).toBe(200);
    expect(res.body.isVisible).toBe(true);
    expect((await call(app, admin, 'get', `/boards/${board.id}/grants`)).body).toEqual({ userIds: [] });
    expect(await t.ctx.prisma.userBoardPermission.count({ where: { boardId: board.id } })).toBe(0);
    expect((await call(app, member, 'get', `/boards/${board.id}`)).body.access).toBe('public');
    expect((await call(app, other, 'get', `/boards/${board.id}`)).body.access).toBe('public');
    // hidden again without userIds: the old grant holder does not get it back
    expect((await call(app, admin, 'patch', `/boards/${board.id}`, { isVisible: false })).status).toBe(200);
    expect((await call(app, admin, 'get', `/boards/${board.id}/grants`)).body).toEqual({ userIds: staffIds });
    expectProblem(await call(app, member, 'get', `/boards/${board.id}`), 404, 'board_not_found');
  });

  it.each([
    ['a rename of a public board', true, { name: 'will-not-happen' }],
    ['a public board staying public', true, { isVisible: true }],
    ['a hidden board staying hidden', false, { isVisible: false }],
    ['showing a hidden board', false, { isVisible: true }],
  ])('refuses userIds on %s with 400 naming userIds, changing nothing', async (_label, visible, patch) => {
    const board = await createBoard(app, admin, { isVisible: visible });
    const grantsBefore = (await call(app, admin, 'get', `/boards/${board.id}/grants`)).body as { userIds: number[] };
    const res = await call(app, admin, 'patch', `/boards/${board.id}`, { ...patch, userIds: [member.id] });
    expectProblem(res, 400, 'validation_failed');
    expect(errorsOf(res)).toEqual([expect.objectContaining({ field: 'userIds', code: 'not_hiding' })]);
    expect(await t.ctx.prisma.board.findUniqueOrThrow({ where: { id: board.id } })).toMatchObject({ name: board.name, isVisible: visible });
    expect((await call(app, admin, 'get', `/boards/${board.id}/grants`)).body).toEqual(grantsBefore);
  });

  it('refuses an unknown user id when hiding with 400 unknown_user, and the board stays public', async () => {
    const board = await createBoard(app, admin);
    const res = await call(app, admin, 'patch', `/boards/${board.id}`, { isVisible: false, userIds: [987654] });
    expectProblem(res, 400, 'validation_failed');
    expect(errorsOf(res)).toEqual([expect.objectContaining({ field: 'userIds', code: 'unknown_user' })]);
    expect((await t.ctx.prisma.board.findUniqueOrThrow({ where: { id: board.id } })).isVisible).toBe(true);
    expect(await t.ctx.prisma.userBoardPermission.count({ where: { boardId: board.id } })).toBe(0);
    expect((await call(app, member, 'get', `/boards/${board.id}`)).body.access).toBe('public');
  });

  it('disabling keeps the board from members, admins still see it', async () => {
    const board = await createBoard(app, admin);
    const res = await call(app, admin, 'patch', `/boards/${board.id}`, { isAvailable: false });
    expect(res.status).toBe(200);
    expect(res.body.isAvailable).toBe(false);
    expectProblem(await call(app, member, 'get', `/boards/${board.id}`), 404, 'board_not_found');
    expect(idsOf((await call(app, member, 'get', '/boards')).body.items as Board[])).not.toContain(board.id);
    expect((await call(app, admin, 'get', `/boards/${board.id}`)).body.access).toBe('admin');
  });
});

describe('DELETE /boards/:boardId', () => {
  it('lets an admin delete a board with its grants and posts: 204, then 404, and 404 again', async () => {
    const board = await createBoard(app, admin, { isVisible: false, userIds: [member.id] });
    const post = await t.ctx.prisma.post.create({ data: { boardId: board.id, authorId: member.id, name: 'p', content: 'c' } });
    expect((await call(app, member, 'get', `/boards/${board.id}`)).status).toBe(200);
    const res = await call(app, admin, 'delete', `/boards/${board.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectProblem(await call(app, admin, 'get', `/boards/${board.id}`), 404, 'board_not_found');
    expectProblem(await call(app, member, 'get', `/boards/${board.id}`), 404, 'board_not_found');
    expect(idsOf((await call(app, admin, 'get', '/boards')).body.items as Board[])).not.toContain(board.id);
    expect(await t.ctx.prisma.board.count({ where: { id: board.id } })).toBe(0);
    expect(await t.ctx.prisma.userBoardPermission.count({ where: { boardId: board.id } })).toBe(0);
    expect(await t.ctx.prisma.post.count({ where: { id: post.id } })).toBe(0);
    expectProblem(await call(app, admin, 'delete', `/boards/${board.id}`), 404, 'board_not_found');
    expectProblem(await call(app, admin, 'get', `/boards/${board.id}/grants`), 404, 'board_not_found');
  });

  it('refuses a member with 403 forbidden and keeps the board', async () => {
    const board = await createBoard(app, admin);
    expectProblem(await call(app, member, 'delete', `/boards/${board.id}`), 403, 'forbidden');
    expectProblem(await call(app, null, 'delete', `/boards/${board.id}`), 401, 'unauthorized');
    expect((await call(app, member, 'get', `/boards/${board.id}`)).status).toBe(200);
  });
});

describe('grants', () => {
  it('PUT sets exactly the given set (adds the missing, removes the others) and answers the ids sorted', async () => {
    const third = await actor(t, app);
    const board = await createBoard(app, admin, { isVisible: false, userIds: [member.id, other.id] });
    const [hi, lo] = third.id > member.id ? [third.id, member.id] : [member.id, third.id];
    const res = await call(app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [hi, lo, hi] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userIds: [lo, hi] });
    expect((await call(app, admin, 'get', `/boards/${board.id}/grants`)).body).toEqual({ userIds: [lo, hi] });
    const rows = await t.ctx.prisma.userBoardPermission.findMany({ where: { boardId: board.id }, select: { userId: true } });
    expect(sorted(rows.map((r) => r.userId))).toEqual([lo, hi]);
    expect((await call(app, third, 'get', `/boards/${board.id}`)).body.access).toBe('granted');
    expectProblem(await call(app, other, 'get', `/boards/${board.id}`), 404, 'board_not_found');
    // the empty set removes everyone
    expect((await call(app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [] })).body).toEqual({ userIds: [] });
    expect(await t.ctx.prisma.userBoardPermission.count({ where: { boardId: board.id } })).toBe(0);
  });

  it('refuses an unknown user with 400 unknown_user and changes nothing', async () => {
    const board = await createBoard(app, admin, { isVisible: false, userIds: [member.id] });
    const before = (await call(app, admin, 'get', `/boards/${board.id}/grants`)).body as { userIds: number[] };
    const res = await call(app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [other.id, 987654] });
    expectProblem(res, 400, 'validation_failed');
    expect(errorsOf(res)).toEqual([expect.objectContaining({ field: 'userIds', code: 'unknown_user' })]);
    expect((await call(app, admin, 'get', `/boards/${board.id}/grants`)).body).toEqual(before);
  });

  it('is for admins only; unknown boards are 404; the body must name userIds', async () => {
    const board = await createBoard(app, admin, { isVisible: false, userIds: [member.id] });
    expectProblem(await call(app, member, 'get', `/boards/${board.id}/grants`), 403, 'forbidden');
    expectProblem(await call(app, member, 'put', `/boards/${board.id}/grants`, { userIds: [member.id, other.id] }), 403, 'forbidden');
    expectProblem(await call(app, admin, 'get', '/boards/999999/grants'), 404, 'board_not_found');
    expectProblem(await call(app, admin, 'put', '/boards/999999/grants', { userIds: [member.id] }), 404, 'board_not_found');
    const missing = await call(app, admin, 'put', `/boards/${board.id}/grants`, {});
    expectProblem(missing, 400, 'validation_failed');
    expect(errorsOf(missing)[0].field).toBe('userIds');
    expectProblem(await call(app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [0] }), 400, 'validation_failed');
    expect((await call(app, admin, 'get', `/boards/${board.id}/grants`)).body).toEqual({ userIds: sorted([...staffIds, member.id]) });
  });
});

describe('audit', () => {
  const events = (action: string, boardId: number) => t.ctx.prisma.auditEvent.findMany({ where: { action, targetType: 'board', targetId: String(boardId) } });

  it('records every board change with targetType "board" and the board id', async () => {
    const run = async (method: Method, path: string, body: object | undefined, status: number) => {
      const res = await call(app, admin, method, path, body);
      expect(res.status).toBe(status);
      return res;
    };
    const created = await run('post', '/boards', { name: boardName('audited') }, 201);
    const id = created.body.id as number;
    expect(await events('board.created', id)).toEqual([expect.objectContaining({ actorId: admin.id, targetType: 'board', targetId: String(id) })]);

    await run('patch', `/boards/${id}`, { information: 'changed' }, 200);
    expect(await events('board.changed', id)).toHaveLength(1);

    await run('patch', `/boards/${id}`, { isVisible: false, userIds: [member.id] }, 200);
    const hidden = await events('board.hidden', id);
    expect(hidden).toHaveLength(1);
    expect(hidden[0].actorId).toBe(admin.id);

    await run('put', `/boards/${id}/grants`, { userIds: [other.id] }, 200);
    const added = await events('grant.added', id);
    const removed = await events('grant.removed', id);
    expect(added.map((e) => (e.details as { userId: number }).userId)).toEqual([other.id]);
    expect(sorted(removed.map((e) => (e.details as { userId: number }).userId))).toEqual(sorted([...staffIds, member.id]));

    await run('patch', `/boards/${id}`, { isVisible: true }, 200);
    expect(await events('board.shown', id)).toHaveLength(1);

    await run('delete', `/boards/${id}`, undefined, 204);
    expect(await events('board.deleted', id)).toEqual([expect.objectContaining({ actorId: admin.id })]);

    // each call recorded exactly its own event
    const all = await t.ctx.prisma.auditEvent.findMany({ where: { targetType: 'board', targetId: String(id) }, orderBy: { id: 'asc' } });
    expect(all.map((e) => e.action)).toEqual(['board.created', 'board.changed', 'board.hidden', 'grant.added', ...removed.map(() => 'grant.removed'), 'board.shown', 'board.deleted']);
  });

  it('records nothing for refused calls', async () => {
    const board = await createBoard(app, admin);
    expectProblem(await call(app, member, 'patch', `/boards/${board.id}`, { name: boardName() }), 403, 'forbidden');
    expectProblem(await call(app, member, 'delete', `/boards/${board.id}`), 403, 'forbidden');
    expectProblem(await call(app, admin, 'patch', `/boards/${board.id}`, { userIds: [member.id], name: boardName() }), 400, 'validation_failed');
    const all = await t.ctx.prisma.auditEvent.findMany({ where: { targetType: 'board', targetId: String(board.id) } });
    expect(all.map((e) => e.action)).toEqual(['board.created']);
  });
});

describe('ANONYMOUS_READ=true', () => {
  let s: { t: TestContext; app: Express };
  let sAdmin: Actor;
  let pub: Board;
  let hidden: Board;
  let disabled: Board;
  beforeAll(async () => {
    s = await startSuite({ ANONYMOUS_READ: 'true' });
    sAdmin = await actor(s.t, s.app, 'admin');
    pub = await createBoard(s.app, sAdmin, { name: boardName('anon-public') });
    hidden = await createBoard(s.app, sAdmin, { name: boardName('anon-hidden'), isVisible: false });
    disabled = await createBoard(s.app, sAdmin, { name: boardName('anon-disabled'), isAvailable: false });
  });
  afterAll(() => s.t.cleanup());

  it('lists only the public boards to a reader without a token', async () => {
    const res = await request(s.app).get(`${API}/boards`);
    expect(res.status).toBe(200);
    expect((res.body.items as Board[]).map((b) => [b.id, b.access])).toEqual([[pub.id, 'public']]);
    expect(JSON.stringify(res.body)).not.toContain(hidden.name);
    expect(JSON.stringify(res.body)).not.toContain(disabled.name);
  });

  it('lets the anonymous reader read a public board, and nothing else', async () => {
    const res = await request(s.app).get(`${API}/boards/${pub.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: pub.id, name: pub.name, access: 'public' });
    for (const b of [hidden, disabled]) {
      const r = await request(s.app).get(`${API}/boards/${b.id}`);
      expectProblem(r, 404, 'board_not_found');
      expect(JSON.stringify(r.body)).not.toContain(b.name);
    }
  });

  it('still refuses a bad token (401 invalid_token) and anonymous writes (401 unauthorized)', async () => {
    expectProblem(await request(s.app).get(`${API}/boards`).set('Authorization', 'Bearer a.b.c'), 401, 'invalid_token');
    expectProblem(await request(s.app).post(`${API}/boards`).send({ name: boardName() }), 401, 'unauthorized');
    expectProblem(await request(s.app).patch(`${API}/boards/${pub.id}`).send({ isAvailable: false }), 401, 'unauthorized');
    expectProblem(await request(s.app).get(`${API}/boards/${pub.id}/grants`), 401, 'unauthorized');
    expectProblem(await request(s.app).get(`${API}/users/me/boards`), 401, 'unauthorized');
  });

  it('gives a signed-in member the same view as without the flag', async () => {
    const m = await actor(s.t, s.app);
    const res = await call(s.app, m, 'get', '/boards');
    expect((res.body.items as Board[]).map((b) => [b.id, b.access])).toEqual([[pub.id, 'public']]);
    expect(((await call(s.app, sAdmin, 'get', '/boards')).body.items as Board[]).map((b) => b.access)).toEqual(['admin', 'admin', 'admin']);
  });
});
