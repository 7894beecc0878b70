// Member reports and the moderation queue over the real API: a member reports what they can read, a moderator
// resolves every open report of the target through the owning service (hide, ban, dismiss), the reporter sees
// the outcome; refusals answer with their code and field and write nothing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startNotificationWorker, type NotificationWorker } from '../../ai-worker/notifications.js';
import { expectProblem } from '../helpers/auth.js';
import { waitFor } from '../helpers/wait.js';
import { actor, call, createBoard, startSuite, type Actor, type Suite } from '../boards/setup.js';

let s: Suite;
let admin: Actor;
let superuser: Actor;
let author: Actor;
let reporter: Actor;
let second: Actor;
let boardId: number;
let worker: NotificationWorker;

beforeAll(async () => {
  s = await startSuite({ REPORT_RATE_LIMIT: '1000' });
  [admin, superuser, author, reporter, second] = await Promise.all([actor(s.t, s.app, 'admin'), actor(s.t, s.app, 'superuser'), actor(s.t, s.app), actor(s.t, s.app), actor(s.t, s.app)]);
  boardId = (await createBoard(s.app, admin)).id;
  worker = await startNotificationWorker(s.t.ctx);
});
afterAll(async () => {
  await worker.close();
  await s.t.cleanup();
});

async function post(who: Actor = author, board = boardId): Promise<number> {
  const res = await call(s.app, who, 'post', `/boards/${board}/posts`, { name: 'title', content: 'buy cheap things' });
  expect(res.status).toBe(201);
  return res.body.id as number;
}

const report = (who: Actor, body: object) => call(s.app, who, 'post', '/reports', body);
const reportsOf = (targetType: string, targetId: number) => s.t.ctx.prisma.report.findMany({ where: { targetType, targetId }, orderBy: { id: 'asc' } });
const fieldsOf = (res: { body: { errors?: { field: string; code: string }[] } }) => res.body.errors?.map(({ field, code }) => ({ field, code }));

describe('reports', () => {
  it('a reported post is hidden from the queue, for members, and every reporter sees "hidden"', async () => {
    const postId = await post();
    const first = await report(reporter, { targetType: 'post', targetId: postId, reason: 'spam', note: 'the same link everywhere' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ targetType: 'post', targetId: postId, reason: 'spam', status: 'open', resolvedAt: null });
    expectProblem(await report(reporter, { targetType: 'post', targetId: postId, reason: 'other' }), 409, 'report_exists');
    expect((await report(second, { targetType: 'post', targetId: postId, reason: 'hate' })).status).toBe(201);

    // the queue is for moderators
    expectProblem(await call(s.app, reporter, 'get', '/reports'), 403, 'forbidden');
    const queue = await call(s.app, admin, 'get', '/reports?status=open&targetType=post');
    expect(queue.status).toBe(200);
    expect((queue.body.items as { targetId: number }[]).filter((r) => r.targetId === postId)).toHaveLength(2);
    expect(queue.body.items[0]).toMatchObject({ reporter: { id: second.id }, targetUserId: author.id });

    const resolved = await call(s.app, admin, 'post', `/reports/${first.body.id}/resolve`, { action: 'hide' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'hidden', resolvedBy: { id: admin.id } });
    expectProblem(await call(s.app, reporter, 'get', `/boards/${boardId}/posts/${postId}`), 404, 'post_not_found');
    expect((await reportsOf('post', postId)).map((r) => [r.status, r.openKey, r.resolvedById])).toEqual([
      ['hidden', null, admin.id],
      ['hidden', null, admin.id],
    ]);
    const mine = await call(s.app, second, 'get', '/reports/mine');
    expect(mine.body.items[0]).toMatchObject({ targetId: postId, status: 'hidden' });
    expect(mine.body.items[0]).not.toHaveProperty('resolvedBy');
    const audit = await s.t.ctx.audit.query({ action: 'report.resolved', limit: 10 });
    expect(audit.items.find((e) => e.targetId === String(postId))).toMatchObject({ actorId: admin.id, details: { action: 'hide', reports: 2 } });
    expectProblem(await call(s.app, admin, 'post', `/reports/${first.body.id}/resolve`, { action: 'dismiss' }), 409, 'report_resolved');
    // hidden, the post is no longer there to report
    expectProblem(await report(reporter, { targetType: 'post', targetId: postId, reason: 'spam' }), 404, 'post_not_found');
  });

  it('a ban needs a reason, goes through the account rules, and leaves the reports open when refused', async () => {
    const villain = await actor(s.t, s.app);
    const postId = await post(villain);
    const filed = await report(reporter, { targetType: 'post', targetId: postId, reason: 'harassment' });
    const noReason = await call(s.app, admin, 'post', `/reports/${filed.body.id}/resolve`, { action: 'ban' });
    expectProblem(noReason, 400, 'validation_failed');
    expect(fieldsOf(noReason)).toEqual([{ field: 'reason', code: 'required' }]);
    const banned = await call(s.app, admin, 'post', `/reports/${filed.body.id}/resolve`, { action: 'ban', reason: 'harassment, third time' });
    expect(banned.body).toMatchObject({ status: 'banned', resolution: 'harassment, third time' });
    expect(await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: villain.id }, select: { isBanned: true, banReason: true } })).toEqual({ isBanned: true, banReason: 'harassment, third time' });
    // the ban took the member's tokens at once
    expectProblem(await call(s.app, villain, 'get', '/users/me'), 401, 'invalid_token');

    // an admin may not ban a superuser: the report stays open
    const onSuper = await report(reporter, { targetType: 'user', targetId: superuser.id, reason: 'other' });
    expect(onSuper.status).toBe(201);
    expect((await call(s.app, admin, 'post', `/reports/${onSuper.body.id}/resolve`, { action: 'ban', reason: 'no' })).status).toBe(403);
    expect((await reportsOf('user', superuser.id)).map((r) => r.status)).toEqual(['open']);
    const notHideable = await call(s.app, admin, 'post', `/reports/${onSuper.body.id}/resolve`, { action: 'hide' });
    expect(fieldsOf(notHideable)).toEqual([{ field: 'action', code: 'not_hideable' }]);
    expect((await call(s.app, admin, 'post', `/reports/${onSuper.body.id}/resolve`, { action: 'dismiss' })).body).toMatchObject({ status: 'dismissed' });
    // dismissed, the member may report the account again
    expect((await report(reporter, { targetType: 'user', targetId: superuser.id, reason: 'spam' })).status).toBe(201);
  });

  it('refuses what cannot be reported, with its code and field, and writes nothing', async () => {
    const before = await s.t.ctx.prisma.report.count();
    const own = await report(author, { targetType: 'post', targetId: await post(), reason: 'spam' });
    expectProblem(own, 400, 'validation_failed');
    expect(fieldsOf(own)).toEqual([{ field: 'targetId', code: 'own_content' }]);
    expect(fieldsOf(await report(reporter, { targetType: 'board', targetId: 1, reason: 'spam' }))).toEqual([{ field: 'targetType', code: 'invalid_value' }]);
    expect(fieldsOf(await report(reporter, { targetType: 'post', targetId: 1 }))).toEqual([{ field: 'reason', code: 'required' }]);
    expect(fieldsOf(await report(reporter, { targetType: 'post', targetId: 1, reason: 'spam', note: 'x'.repeat(1001) }))).toEqual([{ field: 'note', code: 'too_long' }]);
    expectProblem(await report(reporter, { targetType: 'post', targetId: 2 ** 31 - 1, reason: 'spam' }), 404, 'post_not_found');
    expectProblem(await report(reporter, { targetType: 'comment', targetId: 2 ** 31 - 1, reason: 'spam' }), 404, 'comment_not_found');
    expectProblem(await report(reporter, { targetType: 'user', targetId: 2 ** 31 - 1, reason: 'spam' }), 404, 'user_not_found');
    // a post on a hidden board does not exist for a member without a grant
    const hidden = await createBoard(s.app, admin, { isVisible: false });
    expectProblem(await report(reporter, { targetType: 'post', targetId: await post(admin, hidden.id), reason: 'spam' }), 404, 'post_not_found');
    expectProblem(await call(s.app, null, 'post', '/reports', { targetType: 'user', targetId: author.id, reason: 'spam' }), 401, 'unauthorized');
    expectProblem(await call(s.app, admin, 'post', '/reports/2147483647/resolve', { action: 'dismiss' }), 404, 'report_not_found');
    expect(await s.t.ctx.prisma.report.count()).toBe(before);
  });

  it('a chat message: only members may report it, and hiding deletes it for everyone', async () => {
    const session = await call(s.app, author, 'post', '/chat-sessions', { name: 'room', userIds: [reporter.id] });
    expect(session.status).toBe(201);
    const message = await s.t.ctx.prisma.chatMessage.create({ data: { sessionId: session.body.id as number, authorId: author.id, content: 'rude words' } });
    expectProblem(await report(second, { targetType: 'chat_message', targetId: message.id, reason: 'harassment' }), 404, 'chat_message_not_found');
    const filed = await report(reporter, { targetType: 'chat_message', targetId: message.id, reason: 'harassment' });
    expect(filed.status).toBe(201);
    expect((await call(s.app, admin, 'post', `/reports/${filed.body.id}/resolve`, { action: 'hide' })).body).toMatchObject({ status: 'hidden' });
    expect((await s.t.ctx.prisma.chatMessage.findUniqueOrThrow({ where: { id: message.id } })).isVisible).toBe(false);
  });

  it('every reporter is notified of the outcome, and the notice names no content', async () => {
    const postId = await post();
    const [a, b] = await Promise.all([actor(s.t, s.app), actor(s.t, s.app)]);
    const filed = await report(a, { targetType: 'post', targetId: postId, reason: 'spam' });
    await report(b, { targetType: 'post', targetId: postId, reason: 'spam' });
    await call(s.app, admin, 'post', `/reports/${filed.body.id}/resolve`, { action: 'dismiss' });
    for (const who of [a, b]) {
      const items = await waitFor('the report notification', async () => {
        const res = await call(s.app, who, 'get', '/notifications');
        return (res.body.items as unknown[]).length ? (res.body.items as unknown[]) : null;
      });
      expect(items).toEqual([
        expect.objectContaining({
          type: 'report',
          actor: { id: admin.id, name: admin.name },
          target: { type: 'report', id: expect.any(Number) },
          text: 'The moderators reviewed your report: no action was needed',
        }),
      ]);
    }
    // the author of the reported post hears nothing of it
    expect(((await call(s.app, author, 'get', '/notifications')).body.items as { type: string }[]).filter((n) => n.type === 'report')).toEqual([]);
  });

  it('a comment: hiding it hides it for members', async () => {
    const postId = await post();
    const comment = await call(s.app, second, 'post', `/posts/${postId}/comments`, { content: 'spam spam' });
    const filed = await report(reporter, { targetType: 'comment', targetId: comment.body.id, reason: 'spam' });
    expect(filed.body).toMatchObject({ status: 'open' });
    await call(s.app, admin, 'post', `/reports/${filed.body.id}/resolve`, { action: 'hide' });
    expectProblem(await call(s.app, reporter, 'get', `/comments/${comment.body.id}`), 404, 'comment_not_found');
  });
});

describe('report rate limit', () => {
  let limited: Suite;
  beforeAll(async () => {
    limited = await startSuite({ REPORT_RATE_LIMIT: '2' });
  });
  afterAll(async () => {
    await limited.t.cleanup();
  });

  it('refuses a member past REPORT_RATE_LIMIT with 429 and Retry-After', async () => {
    const [a, b, c, d] = await Promise.all([actor(limited.t, limited.app), actor(limited.t, limited.app), actor(limited.t, limited.app), actor(limited.t, limited.app)]);
    for (const target of [b, c]) expect((await call(limited.app, a, 'post', '/reports', { targetType: 'user', targetId: target.id, reason: 'spam' })).status).toBe(201);
    const refused = await call(limited.app, a, 'post', '/reports', { targetType: 'user', targetId: d.id, reason: 'spam' });
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // per member: another member still may
    expect((await call(limited.app, b, 'post', '/reports', { targetType: 'user', targetId: d.id, reason: 'spam' })).status).toBe(201);
  });
});
