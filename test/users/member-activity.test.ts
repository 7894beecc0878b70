// The reads behind the panel's member page go through the services and their rules: one member's posts,
// comments, chat sessions, AI logs and reports. Staff see everything, hidden items included; any other
// viewer sees only what they may read (no hidden post or comment, nothing on a board they may not read, no
// session they do not share) or is refused (reports, another member's AI logs).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Viewer } from '../../src/access/index.js';
import { PASSWORD } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';

describe(`a member's activity as the services show it (${testProvider})`, () => {
  let t: TestContext;
  let staff: Viewer;
  let author: Viewer;
  let reader: Viewer;
  let ids: { shown: number; hiddenPost: number; secretPost: number; comment: number; hiddenComment: number; shared: number; own: number };

  const account = async (name: string, role: 'user' | 'admin' = 'user'): Promise<Viewer> => {
    const u = await t.ctx.services.users.create({ name, email: `${name}@example.com`, password: PASSWORD }, role);
    return { id: u.id, role };
  };

  beforeAll(async () => {
    t = await createTestContext();
    const { boards, posts, comments, chat, reports } = t.ctx.services;
    staff = await account('actstaff', 'admin');
    author = await account('actauthor');
    reader = await account('actreader');
    const pub = await boards.create(staff, { name: 'act-public' });
    const secret = await boards.create(staff, { name: 'act-secret', isVisible: false, userIds: [author.id] });
    const shown = await posts.create(author, pub.id, { name: 'shown post', content: 'x' });
    const hiddenPost = await posts.create(author, pub.id, { name: 'hidden post', content: 'x' });
    await posts.update(staff, pub.id, hiddenPost.id, { isVisible: false });
    const secretPost = await posts.create(author, secret.id, { name: 'secret post', content: 'x' });
    const comment = await comments.create(author, shown.id, 'shown comment');
    const hiddenComment = await comments.create(author, shown.id, 'hidden comment');
    await comments.update(staff, hiddenComment.id, { isVisible: false });
    const shared = await chat.create(author, { name: 'act-shared', userIds: [reader.id] });
    const own = await chat.create(author, { name: 'act-own' });
    await reports.create(reader, { targetType: 'post', targetId: shown.id, reason: 'spam' });
    ids = { shown: shown.id, hiddenPost: hiddenPost.id, secretPost: secretPost.id, comment: comment.id, hiddenComment: hiddenComment.id, shared: shared.id, own: own.id };
  });
  afterAll(() => t.cleanup());

  it('staff see every post, comment and session of the member, hidden ones too', async () => {
    const { posts, comments, chat } = t.ctx.services;
    expect((await posts.byAuthor(staff, author.id, 10)).map((p) => p.id).sort()).toEqual([ids.shown, ids.hiddenPost, ids.secretPost].sort());
    expect((await comments.byAuthor(staff, author.id, 10)).map((c) => c.id).sort()).toEqual([ids.comment, ids.hiddenComment].sort());
    expect((await chat.sessionsOf(staff, author.id, 10)).map((s) => s.id).sort()).toEqual([ids.shared, ids.own].sort());
  });

  it('another member sees only what they may read: no hidden item, no board without a grant, no session they do not share', async () => {
    const { posts, comments, chat } = t.ctx.services;
    expect((await posts.byAuthor(reader, author.id, 10)).map((p) => p.id)).toEqual([ids.shown]);
    expect((await comments.byAuthor(reader, author.id, 10)).map((c) => c.id)).toEqual([ids.comment]);
    expect((await chat.sessionsOf(reader, author.id, 10)).map((s) => s.id)).toEqual([ids.shared]);
  });

  it('reports about a member are for moderators; another member’s AI logs are refused', async () => {
    const { reports, ais } = t.ctx.services;
    const about = await reports.about(staff, author.id, 10);
    expect({ filed: about.filed.length, against: about.against.map((r) => [r.targetId, r.reporter.id]) }).toEqual({ filed: 0, against: [[ids.shown, reader.id]] });
    expect((await reports.about(staff, reader.id, 10)).filed).toHaveLength(1);
    await expect(reports.about(reader, author.id, 10)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(ais.logsOf(reader, author.id, 10)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await ais.logsOf(staff, author.id, 10)).toEqual([]);
    expect(await ais.logsOf(author, author.id, 10)).toEqual([]);
  });
});
