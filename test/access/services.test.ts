// The rules are the services', not the routes': a member calling a service directly (as the panel, the chat,
// a job or a command would) is refused exactly like over HTTP, before anything changes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Viewer } from '../../src/access/index.js';
import { readAuditLog } from '../../src/audit/service.js';
import { AppError } from '../../src/errors.js';
import { statusOfKind } from '../../src/http/errors.js';
import { PASSWORD } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return { status: statusOfKind[(e as AppError).kind], code: (e as AppError).code };
}

describe('services refuse a member where only staff may act', () => {
  let t: TestContext;
  let member: Viewer;
  let admin: Viewer;
  let other: number;
  let hiddenBoard: number;

  beforeAll(async () => {
    t = await createTestContext();
    const { users, boards } = t.ctx.services;
    const m = await users.create({ name: 'svcmember', email: 'svcmember@example.com', password: PASSWORD });
    const a = await users.create({ name: 'svcadmin', email: 'svcadmin@example.com', password: PASSWORD }, 'admin');
    other = (await users.create({ name: 'svcother', email: 'svcother@example.com', password: PASSWORD })).id;
    member = { id: m.id, role: 'user' };
    admin = { id: a.id, role: 'admin' };
    hiddenBoard = (await boards.create(admin, { name: 'svc-hidden', isVisible: false })).id;
  });
  afterAll(() => t.cleanup());

  it('answers 403 forbidden and changes nothing', async () => {
    const { users, boards, ais, auth } = t.ctx.services;
    const attempts: [string, () => Promise<unknown>][] = [
      ['users.list', () => users.list(member, { limit: 10 })],
      ['users.adminUpdate', () => users.adminUpdate(member, other, { name: 'renamed' })],
      ['users.setRole', () => users.setRole(member, other, 'admin')],
      ['users.setBoards', () => users.setBoards(member, other, [hiddenBoard])],
      ['auth.forcePasswordReset', () => auth.forcePasswordReset(member, other, {})],
      ['boards.create', () => boards.create(member, { name: 'svc-by-member' })],
      ['boards.update', () => boards.update(member, hiddenBoard, { isVisible: true })],
      ['boards.setGrants', () => boards.setGrants(member, hiddenBoard, [member.id])],
      ['boards.remove', () => boards.remove(member, hiddenBoard)],
      ['ais.create', () => ais.create(member, { name: 'svc-model' })],
      ['readAuditLog', () => readAuditLog(t.ctx.audit, member, { limit: 10 })],
    ];
    for (const [name, attempt] of attempts) expect({ name, ...(await refusal(attempt())) }).toEqual({ name, status: 403, code: 'forbidden' });
    expect((await t.ctx.prisma.user.findUniqueOrThrow({ where: { id: other } })).name).toBe('svcother');
    expect(await t.ctx.prisma.board.findUniqueOrThrow({ where: { id: hiddenBoard }, select: { isVisible: true } })).toEqual({ isVisible: false });
    expect(await t.ctx.prisma.board.count({ where: { name: 'svc-by-member' } })).toBe(0);
    expect(await t.ctx.prisma.ai.count({ where: { name: 'svc-model' } })).toBe(0);
    expect(await t.ctx.prisma.userBoardPermission.count({ where: { userId: member.id } })).toBe(0);
    expect(await t.ctx.prisma.passwordResetToken.count({ where: { userId: other } })).toBe(0);
  });

  it('lets staff do the same', async () => {
    const { users, boards } = t.ctx.services;
    expect((await users.list(admin, { limit: 10 })).items.length).toBeGreaterThan(0);
    expect((await boards.setGrants(admin, hiddenBoard, [member.id])).userIds).toEqual([member.id]);
    expect((await readAuditLog(t.ctx.audit, admin, { limit: 10 })).items.length).toBeGreaterThan(0);
  });

  it('a hidden board is absent for a member without a grant, and readable with one', async () => {
    const { boards } = t.ctx.services;
    const stranger: Viewer = { id: other, role: 'user' };
    expect(await refusal(boards.get(stranger, hiddenBoard))).toEqual({ status: 404, code: 'board_not_found' });
    await boards.setGrants(admin, hiddenBoard, [other]);
    expect((await boards.get(stranger, hiddenBoard)).access).toBe('granted');
  });

  it('staff, who read every chat session, still get a 404 for one that does not exist', async () => {
    const { chat } = t.ctx.services;
    expect(await refusal(chat.remove(admin, 2_000_000_000))).toEqual({ status: 404, code: 'chat_session_not_found' });
    expect(await refusal(chat.get(admin, 2_000_000_000))).toEqual({ status: 404, code: 'chat_session_not_found' });
  });
});
