// The moderation page's API over HTTP against a real api (the browser suite drives the page itself): the queue
// groups open reports by target with the content inline, the menu's count, and resolving through
// ReportsService with its refusals — an account cannot be hidden, an unknown action, a resolved report — each
// answered with its code and field, the reports left open.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Viewer } from '../../src/access/index.js';
import { adminAgent, person, startAdminSuite, type AdminSuite, type Person } from './setup.js';

const PAGE = '/admin/api/pages/moderation';

describe('moderation page over HTTP', () => {
  let s: AdminSuite;
  let admin: Person;
  let author: Person;
  let reporter: Person;
  let staff: Awaited<ReturnType<typeof adminAgent>>['agent'];
  let postId: number;
  let userReport: number;

  beforeAll(async () => {
    s = await startAdminSuite();
    admin = await person(s.t, 'admin');
    [author, reporter] = [await person(s.t, 'user', 'author'), await person(s.t, 'user', 'reporter')];
    const principal: Viewer = { id: admin.id, role: 'admin' };
    const board = await s.t.ctx.services.boards.create(principal, { name: `mod-${admin.id}` });
    postId = (await s.t.ctx.services.posts.create({ id: author.id, role: 'user' }, board.id, { name: 'a title', content: 'x'.repeat(400) })).id;
    const as = { id: reporter.id, role: 'user' } as const;
    await s.t.ctx.services.reports.create(as, { targetType: 'post', targetId: postId, reason: 'spam' });
    userReport = (await s.t.ctx.services.reports.create(as, { targetType: 'user', targetId: author.id, reason: 'harassment', note: 'in every thread' })).id;
    staff = (await adminAgent(s.origin, admin)).agent;
  }, 120_000);

  afterAll(async () => {
    await s?.stop();
  });

  const resolve = (body: object) => staff.post(PAGE).send(body);
  const keysOf = (body: { groups: { key: string }[] }) => body.groups.map((g) => g.key);
  const statusOf = async (id: number) => (await s.t.ctx.prisma.report.findUniqueOrThrow({ where: { id } })).status;

  it('lists open reports by target, newest first, with the content inline and the open count', async () => {
    const res = await staff.get(PAGE);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ open: 2, truncated: false });
    expect(keysOf(res.body as { groups: { key: string }[] })).toEqual([`user:${author.id}`, `post:${postId}`]);
    const [account, post] = res.body.groups;
    expect(account).toMatchObject({
      content: { title: author.name, href: `/admin/resources/User/records/${author.id}/show` },
      reports: [{ reason: 'harassment', note: 'in every thread', reporter: { name: reporter.name } }],
    });
    // a long text is cut
    expect(post.content.title).toBe('a title');
    expect(post.content.text).toHaveLength(280);
    expect(post.author).toMatchObject({ id: author.id, name: author.name, isBanned: false });
    expect((await staff.get(`${PAGE}?summary=true`)).body).toEqual({ open: 2 });
  });

  it('answers a refusal of the service with its code and field and leaves the reports open', async () => {
    const hide = await resolve({ reportId: userReport, action: 'hide' });
    expect(hide.status).toBe(200);
    expect(hide.body.error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'action', code: 'not_hideable' }] });
    const unknown = await resolve({ reportId: userReport, action: 'delete' });
    expect(unknown.body.error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'action' }] });
    expect((await resolve({ reportId: userReport, action: 'ban', reason: '   ' })).body.error).toMatchObject({ fields: [{ field: 'reason', code: 'required' }] });
    expect((await resolve({ reportId: 999999, action: 'dismiss' })).body.error).toMatchObject({ code: 'report_not_found' });
    expect(await statusOf(userReport)).toBe('open');
    expect((await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: author.id } })).isBanned).toBe(false);
    expect((await s.t.ctx.audit.query({ action: 'report.resolved', limit: 10 })).items).toHaveLength(0);
  });

  it('dismisses through the service, audited, once', async () => {
    const res = await resolve({ reportId: userReport, action: 'dismiss' });
    expect(res.body).toMatchObject({ notice: 'Reports dismissed.', open: 1 });
    expect(keysOf(res.body as { groups: { key: string }[] })).toEqual([`post:${postId}`]);
    expect(await statusOf(userReport)).toBe('dismissed');
    const events = (await s.t.ctx.audit.query({ action: 'report.resolved', limit: 10 })).items;
    expect(events).toMatchObject([{ actorId: admin.id, targetType: 'user', targetId: String(author.id), details: { action: 'dismiss', reports: 1 } }]);
    expect((await resolve({ reportId: userReport, action: 'dismiss' })).body.error).toMatchObject({ code: 'report_resolved' });
  });

  it('bans the author with a reason', async () => {
    const open = (await staff.get(PAGE)).body.groups[0].reports[0].id as number;
    const res = await resolve({ reportId: open, action: 'ban', reason: ' spam in every board ' });
    expect(res.body).toMatchObject({ notice: 'The author is banned; the reports are resolved.', open: 0, groups: [] });
    expect(await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: author.id } })).toMatchObject({ isBanned: true, banReason: 'spam in every board' });
    expect(await statusOf(open)).toBe('banned');
  });
});
