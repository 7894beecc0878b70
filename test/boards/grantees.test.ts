// Who may be given a grant, one rule in the boards service for every entry point: a closed or banned account
// is refused with 400 `account_closed` / `account_banned` naming the field (PUT /boards/:id/grants, POST and
// PATCH /boards with userIds, PUT /users/:id/boards, and the service's single add), nothing is written and
// nothing audited; grants already held may be kept or removed. Also the staff reads the panel's pages use:
// grant holders by name, and the boards a member may read and why.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import type request from 'supertest';
import type { Viewer } from '../../src/access/index.js';
import { ValidationError } from '../../src/errors.js';
import { expectProblem } from '../helpers/auth.js';
import type { TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { actor, call, createBoard, startSuite, type Actor } from './setup.js';

let t: TestContext;
let app: Express;
let admin: Actor;
let member: Actor;
let banned: Actor;
let closed: Actor;
let staff: Viewer;

const errorsOf = (res: request.Response) => res.body.errors as { field: string; in?: string; code: string; message: string }[];
const grantsOf = async (boardId: number) => (await t.ctx.prisma.userBoardPermission.findMany({ where: { boardId }, orderBy: { userId: 'asc' } })).map((g) => g.userId);
const grantEvents = (boardId: number) => t.ctx.prisma.auditEvent.count({ where: { targetType: 'board', targetId: String(boardId), action: { startsWith: 'grant.' } } });

beforeAll(async () => {
  ({ t, app } = await startSuite());
  admin = await actor(t, app, 'admin');
  member = await actor(t, app);
  banned = await actor(t, app);
  closed = await actor(t, app);
  staff = { id: admin.id, role: 'admin' };
  await t.ctx.services.users.setBanned(staff, banned.id, true, 'spam');
  await t.ctx.services.users.deleteMe({ id: closed.id, role: 'user' }, closed.password);
});
afterAll(() => t.cleanup());

describe(`grantees (${testProvider})`, () => {
  it('PUT /boards/:id/grants refuses a banned account with 400 account_banned naming userIds, and changes nothing', async () => {
    const board = await createBoard(app, admin, { isVisible: false });
    const before = await grantsOf(board.id);
    const events = await grantEvents(board.id);
    const res = await call(app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [member.id, banned.id] });
    expectProblem(res, 400, 'validation_failed');
    expect(errorsOf(res)).toEqual([expect.objectContaining({ field: 'userIds', in: 'body', code: 'account_banned' })]);
    expect(errorsOf(res)[0].message).toContain(`#${banned.id}`);
    expect(await grantsOf(board.id)).toEqual(before);
    expect(await grantEvents(board.id)).toBe(events);
  });

  it('PUT /boards/:id/grants refuses a closed account with 400 account_closed, and an unknown one with unknown_user', async () => {
    const board = await createBoard(app, admin, { isVisible: false });
    const before = await grantsOf(board.id);
    const res = await call(app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [closed.id, 2_000_000_000] });
    expectProblem(res, 400, 'validation_failed');
    expect(errorsOf(res).map((e) => [e.field, e.code])).toEqual([
      ['userIds', 'unknown_user'],
      ['userIds', 'account_closed'],
    ]);
    expect(await grantsOf(board.id)).toEqual(before);
  });

  it('POST /boards and PATCH /boards (hiding) refuse banned and closed userIds; nothing is created or hidden', async () => {
    const name = `refused-${admin.id}-${Date.now()}`;
    const created = await call(app, admin, 'post', '/boards', { name, isVisible: false, userIds: [banned.id] });
    expectProblem(created, 400, 'validation_failed');
    expect(errorsOf(created)).toEqual([expect.objectContaining({ field: 'userIds', code: 'account_banned' })]);
    expect(await t.ctx.prisma.board.count({ where: { name } })).toBe(0);

    const board = await createBoard(app, admin);
    const hide = await call(app, admin, 'patch', `/boards/${board.id}`, { isVisible: false, userIds: [closed.id] });
    expectProblem(hide, 400, 'validation_failed');
    expect(errorsOf(hide)).toEqual([expect.objectContaining({ field: 'userIds', code: 'account_closed' })]);
    expect((await t.ctx.prisma.board.findUniqueOrThrow({ where: { id: board.id } })).isVisible).toBe(true);
    expect(await grantsOf(board.id)).toEqual([]);
  });

  it('PUT /users/:id/boards refuses to grant a banned account (account_banned naming userId), but lets its grants be removed', async () => {
    const board = await createBoard(app, admin, { isVisible: false });
    const res = await call(app, admin, 'put', `/users/${banned.id}/boards`, { boardIds: [board.id] });
    expectProblem(res, 400, 'validation_failed');
    expect(errorsOf(res)).toEqual([expect.objectContaining({ field: 'userId', code: 'account_banned' })]);
    expect(await grantsOf(board.id)).not.toContain(banned.id);

    // a grant held from before the ban: kept by a save that names it, removed by one that does not
    await t.ctx.prisma.userBoardPermission.create({ data: { userId: banned.id, boardId: board.id } });
    const keep = await call(app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [...(await grantsOf(board.id))] });
    expect(keep.status).toBe(200);
    expect(await grantsOf(board.id)).toContain(banned.id);
    const drop = await call(app, admin, 'put', `/users/${banned.id}/boards`, { boardIds: [] });
    expect(drop.status).toBe(200);
    expect(await grantsOf(board.id)).not.toContain(banned.id);
  });

  it('addGrant refuses banned and closed accounts with the same error; adds and removes one grant, audited once', async () => {
    const { boards } = t.ctx.services;
    const board = await createBoard(app, admin, { isVisible: false });
    for (const [who, code] of [
      [banned, 'account_banned'],
      [closed, 'account_closed'],
    ] as const) {
      const refused = await boards.addGrant(staff, board.id, who.id).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as ValidationError).errors).toEqual([expect.objectContaining({ field: 'userId', code })]);
    }
    expect(await grantsOf(board.id)).not.toContain(banned.id);

    const events = await grantEvents(board.id);
    expect(await boards.addGrant(staff, board.id, member.id)).toEqual({ added: true });
    expect(await boards.addGrant(staff, board.id, member.id)).toEqual({ added: false });
    const reads = await call(app, member, 'get', `/boards/${board.id}`);
    expect(reads.body).toMatchObject({ id: board.id, access: 'granted' });
    expect(await boards.readableBy(staff, member.id)).toContainEqual(expect.objectContaining({ id: board.id, access: 'granted' }));
    expect((await boards.grantHolders(staff, board.id)).map((h) => h.name)).toContain(member.name);

    expect(await boards.removeGrant(staff, board.id, member.id)).toEqual({ removed: true });
    expect(await boards.removeGrant(staff, board.id, member.id)).toEqual({ removed: false });
    expectProblem(await call(app, member, 'get', `/boards/${board.id}`), 404, 'board_not_found');
    expect((await boards.readableBy(staff, member.id)).map((b) => b.id)).not.toContain(board.id);
    expect(await grantEvents(board.id)).toBe(events + 2);
  });

  it('readableBy says why (public, granted, admin), gives a closed account nothing, and is for staff only', async () => {
    const { boards } = t.ctx.services;
    const pub = await createBoard(app, admin);
    const hidden = await createBoard(app, admin, { isVisible: false, userIds: [member.id] });
    const why = (list: { id: number; access: string }[], id: number) => list.find((b) => b.id === id)?.access;
    const forMember = await boards.readableBy(staff, member.id);
    expect([why(forMember, pub.id), why(forMember, hidden.id)]).toEqual(['public', 'granted']);
    const forAdmin = await boards.readableBy(staff, admin.id);
    expect([why(forAdmin, pub.id), why(forAdmin, hidden.id)]).toEqual(['admin', 'admin']);
    expect(await boards.readableBy(staff, closed.id)).toEqual([]);
    await expect(boards.readableBy({ id: member.id, role: 'user' }, member.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(boards.grantHolders({ id: member.id, role: 'user' }, hidden.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(boards.addGrant({ id: member.id, role: 'user' }, hidden.id, member.id)).rejects.toMatchObject({ code: 'forbidden' });
  });
});
