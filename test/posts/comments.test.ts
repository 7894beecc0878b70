// Comments over the real API: writing and validation, author/moderator rules, hidden comments (404 for
// members), oldest-first keyset and page pagination, and numberOfComment = the number of VISIBLE comments
// after every create, hide, show and delete.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { b64url, expectProblem } from '../helpers/auth.js';
import type { TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { actor, call, createBoard, startSuite, type Actor, type Board } from '../boards/setup.js';
import { countersOf, createComment, createPost, expectCountersExact, fieldsOf, walk, type CommentItem, type PageBody, type PostItem } from './helpers.js';

let t: TestContext;
let app: Express;
let admin: Actor;
let member: Actor;
let other: Actor;
let board: Board;

beforeAll(async () => {
  ({ t, app } = await startSuite({ LOGIN_RATE_LIMIT_IP: '100000' }));
  admin = await actor(t, app, 'admin');
  member = await actor(t, app);
  other = await actor(t, app);
  board = await createBoard(app, admin);
});
afterAll(() => t.cleanup());

const commentEvents = (action: string, commentId: number) => t.ctx.prisma.auditEvent.findMany({ where: { action, targetType: 'comment', targetId: String(commentId) } });
const setVisible = async (id: number, isVisible: boolean) => {
  const res = await call(app, admin, 'patch', `/comments/${id}`, { isVisible });
  expect(res.status).toBe(200);
  expect(res.body.isVisible).toBe(isVisible);
};

describe(`POST /posts/:postId/comments (${testProvider})`, () => {
  let post: PostItem;
  beforeAll(async () => {
    post = await createPost(app, member, board.id);
  });

  it('writes a comment: 201, Location /api/v1/comments/<id>, the comment, and counts it', async () => {
    const res = await call(app, other, 'post', `/posts/${post.id}/comments`, { content: 'Nice post' });
    expect(res.status).toBe(201);
    const id = res.body.id as number;
    expect(res.headers.location).toBe(`/api/v1/comments/${id}`);
    expect(res.body).toMatchObject({ id: expect.any(Number), postId: post.id, content: 'Nice post', author: { id: other.id, name: other.name }, isFileAttached: false, isVisible: true });
    const fetched = await request(app).get(res.headers.location).set('Authorization', `Bearer ${member.token}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(res.body);
    expect((await countersOf(t, post.id)).numberOfComment).toBe(1);
  });

  it('accepts 2000 characters', async () => {
    const c = await createComment(app, member, post.id, 'x'.repeat(2000));
    expect(c.content).toHaveLength(2000);
  });

  it.each([
    ['2001 characters', { content: 'x'.repeat(2001) }],
    ['whitespace only', { content: ' \n\t ' }],
    ['empty', { content: '' }],
    ['missing', {}],
  ])('rejects content that is %s with 400 naming content, and counts nothing', async (_label, body) => {
    const before = await countersOf(t, post.id);
    const res = await call(app, member, 'post', `/posts/${post.id}/comments`, body);
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toContain('content');
    expect(await countersOf(t, post.id)).toEqual(before);
  });

  it('answers 401 anonymously and 404 post_not_found for a missing or hidden post', async () => {
    expectProblem(await call(app, null, 'post', `/posts/${post.id}/comments`, { content: 'anon' }), 401, 'unauthorized');
    expectProblem(await call(app, member, 'post', '/posts/999999/comments', { content: 'nowhere' }), 404, 'post_not_found');
    const hidden = await createPost(app, member, board.id);
    expect((await call(app, admin, 'patch', `/boards/${board.id}/posts/${hidden.id}`, { isVisible: false })).status).toBe(200);
    expectProblem(await call(app, member, 'post', `/posts/${hidden.id}/comments`, { content: 'hidden' }), 404, 'post_not_found');
    expectProblem(await call(app, member, 'get', `/posts/${hidden.id}/comments`), 404, 'post_not_found');
    expect(await t.ctx.prisma.comment.count({ where: { postId: hidden.id } })).toBe(0);
  });

  it('answers 404 post_not_found (as for a missing post) on a hidden board without a grant', async () => {
    const hiddenBoard = await createBoard(app, admin, { isVisible: false, userIds: [member.id] });
    const p = await createPost(app, member, hiddenBoard.id);
    await createComment(app, member, p.id);
    expectProblem(await call(app, other, 'post', `/posts/${p.id}/comments`, { content: 'intruder' }), 404, 'post_not_found');
    expectProblem(await call(app, other, 'get', `/posts/${p.id}/comments`), 404, 'post_not_found');
  });
});

describe('GET/PATCH/DELETE /comments/:commentId', () => {
  let post: PostItem;
  beforeAll(async () => {
    post = await createPost(app, member, board.id);
  });

  it('lets the author edit the content', async () => {
    const c = await createComment(app, member, post.id, 'typo');
    const res = await call(app, member, 'patch', `/comments/${c.id}`, { content: 'fixed' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: c.id, content: 'fixed', isVisible: true });
    expect((await call(app, other, 'get', `/comments/${c.id}`)).body.content).toBe('fixed');
  });

  it('refuses another member with 403 not_author (edit, hide, delete)', async () => {
    const c = await createComment(app, member, post.id, 'mine');
    expectProblem(await call(app, other, 'patch', `/comments/${c.id}`, { content: 'theirs' }), 403, 'not_author');
    expectProblem(await call(app, other, 'patch', `/comments/${c.id}`, { isVisible: false }), 403, 'not_author');
    expectProblem(await call(app, other, 'delete', `/comments/${c.id}`), 403, 'not_author');
    expect(await t.ctx.prisma.comment.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ content: 'mine', isVisible: true });
  });

  it('refuses the author setting isVisible with 403 forbidden', async () => {
    const c = await createComment(app, member, post.id);
    const before = await countersOf(t, post.id);
    expectProblem(await call(app, member, 'patch', `/comments/${c.id}`, { isVisible: false }), 403, 'forbidden');
    expect((await t.ctx.prisma.comment.findUniqueOrThrow({ where: { id: c.id } })).isVisible).toBe(true);
    expect(await countersOf(t, post.id)).toEqual(before);
  });

  it('rejects a bad patch with 400', async () => {
    const c = await createComment(app, member, post.id);
    expectProblem(await call(app, member, 'patch', `/comments/${c.id}`, {}), 400, 'validation_failed');
    const long = await call(app, member, 'patch', `/comments/${c.id}`, { content: 'y'.repeat(2001) });
    expectProblem(long, 400, 'validation_failed');
    expect(fieldsOf(long)).toContain('content');
    expectProblem(await call(app, member, 'patch', `/comments/${c.id}`, { postId: 1 }), 400, 'validation_failed');
  });

  it('hides a hidden comment from members (404) but not from admins; audits comment.hidden / comment.shown', async () => {
    const c = await createComment(app, member, post.id, 'moderate me');
    await setVisible(c.id, false);
    for (const who of [member, other]) {
      expectProblem(await call(app, who, 'get', `/comments/${c.id}`), 404, 'comment_not_found');
      const list = (await call(app, who, 'get', `/posts/${post.id}/comments?limit=100`)).body as PageBody<CommentItem>;
      expect(list.items.map((i) => i.id)).not.toContain(c.id);
    }
    expectProblem(await call(app, member, 'patch', `/comments/${c.id}`, { content: 'edit while hidden' }), 404, 'comment_not_found');
    expectProblem(await call(app, member, 'delete', `/comments/${c.id}`), 404, 'comment_not_found');
    const seen = await call(app, admin, 'get', `/comments/${c.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id: c.id, isVisible: false, content: 'moderate me' });
    const adminList = (await call(app, admin, 'get', `/posts/${post.id}/comments?limit=100`)).body as PageBody<CommentItem>;
    expect(adminList.items.map((i) => i.id)).toContain(c.id);
    expect(await commentEvents('comment.hidden', c.id)).toEqual([expect.objectContaining({ actorId: admin.id, targetType: 'comment' })]);

    await setVisible(c.id, true);
    expect((await call(app, other, 'get', `/comments/${c.id}`)).status).toBe(200);
    expect(await commentEvents('comment.shown', c.id)).toHaveLength(1);
  });

  it('lets the author delete (204, then 404) and an admin delete anyone’s (audited)', async () => {
    const own = await createComment(app, member, post.id);
    const res = await call(app, member, 'delete', `/comments/${own.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectProblem(await call(app, member, 'get', `/comments/${own.id}`), 404, 'comment_not_found');
    expectProblem(await call(app, member, 'delete', `/comments/${own.id}`), 404, 'comment_not_found');
    expect(await commentEvents('comment.deleted_by_moderator', own.id)).toHaveLength(0);

    const theirs = await createComment(app, other, post.id);
    expect((await call(app, admin, 'delete', `/comments/${theirs.id}`)).status).toBe(204);
    expect(await t.ctx.prisma.comment.count({ where: { id: theirs.id } })).toBe(0);
    expect(await commentEvents('comment.deleted_by_moderator', theirs.id)).toEqual([expect.objectContaining({ actorId: admin.id })]);
    await expectCountersExact(t, app, admin, post);
  });

  it('answers 404 comment_not_found for a missing comment and 401 anonymously', async () => {
    expectProblem(await call(app, member, 'get', '/comments/999999'), 404, 'comment_not_found');
    expectProblem(await call(app, member, 'patch', '/comments/999999', { content: 'x' }), 404, 'comment_not_found');
    expectProblem(await call(app, member, 'delete', '/comments/999999'), 404, 'comment_not_found');
    const c = await createComment(app, member, post.id);
    expectProblem(await call(app, null, 'get', `/comments/${c.id}`), 401, 'unauthorized');
    expectProblem(await call(app, null, 'delete', `/comments/${c.id}`), 401, 'unauthorized');
  });

  it('hides the comments of a hidden post from members', async () => {
    const p = await createPost(app, member, board.id);
    const c = await createComment(app, member, p.id);
    expect((await call(app, admin, 'patch', `/boards/${board.id}/posts/${p.id}`, { isVisible: false })).status).toBe(200);
    expectProblem(await call(app, member, 'get', `/comments/${c.id}`), 404, 'comment_not_found');
    expect((await call(app, admin, 'get', `/comments/${c.id}`)).status).toBe(200);
  });
});

describe('numberOfComment counts the visible comments', () => {
  it('stays exact through creates, hides (twice), shows (twice), edits and deletes (of hidden ones too)', async () => {
    const post = await createPost(app, member, board.id);
    const check = async (want: number) => {
      const c = await expectCountersExact(t, app, admin, post);
      expect(c.visibleComments).toBe(want);
      // the member's view agrees: the detail and the list
      expect((await call(app, member, 'get', `/boards/${board.id}/posts/${post.id}`)).body.numberOfComment).toBe(want);
      const list = (await call(app, member, 'get', `/boards/${board.id}/posts?limit=100`)).body as PageBody<PostItem>;
      expect(list.items.find((p) => p.id === post.id)?.numberOfComment).toBe(want);
      expect(((await call(app, member, 'get', `/posts/${post.id}/comments?limit=100`)).body as PageBody<CommentItem>).items).toHaveLength(want);
    };
    await check(0);
    const [c1, c2, c3, c4] = [
      await createComment(app, member, post.id, 'c1'),
      await createComment(app, other, post.id, 'c2'),
      await createComment(app, member, post.id, 'c3'),
      await createComment(app, admin, post.id, 'c4'),
    ];
    await check(4);
    await setVisible(c1.id, false);
    await check(3);
    await setVisible(c1.id, false); // hiding twice counts once
    await check(3);
    await setVisible(c1.id, true);
    await check(4);
    await setVisible(c1.id, true); // showing twice counts once
    await check(4);
    // a moderator edit of a hidden comment's content keeps it hidden and uncounted
    await setVisible(c2.id, false);
    await check(3);
    expect((await call(app, admin, 'patch', `/comments/${c2.id}`, { content: 'moderated' })).body).toMatchObject({ content: 'moderated', isVisible: false });
    await check(3);
    // hide and edit in one patch
    const both = await call(app, admin, 'patch', `/comments/${c3.id}`, { content: 'hidden + edited', isVisible: false });
    expect(both.status).toBe(200);
    expect(both.body).toMatchObject({ content: 'hidden + edited', isVisible: false });
    await check(2);
    // deleting a hidden comment does not count it again
    expect((await call(app, admin, 'delete', `/comments/${c2.id}`)).status).toBe(204);
    await check(2);
    // deleting a visible one does
    expect((await call(app, member, 'delete', `/comments/${c1.id}`)).status).toBe(204);
    await check(1);
    // an author edit changes nothing
    expect((await call(app, admin, 'patch', `/comments/${c4.id}`, { content: 'edited' })).status).toBe(200);
    await check(1);
    await setVisible(c3.id, true);
    await check(2);
    await setVisible(c4.id, false);
    await setVisible(c3.id, false);
    await check(0);
    expect((await call(app, admin, 'delete', `/comments/${c4.id}`)).status).toBe(204);
    expect((await call(app, admin, 'delete', `/comments/${c3.id}`)).status).toBe(204);
    await check(0);
    expect((await t.ctx.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).numberOfComment).toBe(0);
    await createComment(app, other, post.id);
    await check(1);
  });
});

describe('GET /posts/:postId/comments', () => {
  const N = 25;
  let post: PostItem;
  let comments: CommentItem[];
  let hiddenIds: number[];
  const writers = () => [member, other, admin];

  beforeAll(async () => {
    post = await createPost(app, member, board.id);
    comments = [];
    for (let i = 0; i < N; i++) comments.push(await createComment(app, writers()[i % 3], post.id, `comment ${i}`));
    hiddenIds = [comments[4].id, comments[17].id];
    for (const id of hiddenIds) await setVisible(id, false);
  });

  const visibleIds = () => comments.map((c) => c.id).filter((id) => !hiddenIds.includes(id));

  it('lists oldest first, with author and without hidden comments for members', async () => {
    const res = await call(app, other, 'get', `/posts/${post.id}/comments?limit=100`);
    expect(res.status).toBe(200);
    const body = res.body as PageBody<CommentItem>;
    expect(body.items.map((c) => c.id)).toEqual(visibleIds());
    expect(body.nextCursor).toBeNull();
    expect(body.items[0]).toEqual({ ...comments[0] });
    expect(body.items.map((c) => c.content)).toEqual(comments.filter((c) => !hiddenIds.includes(c.id)).map((c) => c.content));
  });

  it('walks every comment once with keyset pagination (members without hidden ones, admins with)', async () => {
    const mine = await walk<CommentItem>(app, member, `/posts/${post.id}/comments`, { limit: 6 });
    expect(mine.ids).toEqual(visibleIds());
    expect(mine.pages.slice(0, -1).every((p) => p.items.length === 6)).toBe(true);
    const all = await walk<CommentItem>(app, admin, `/posts/${post.id}/comments`, { limit: 6 });
    expect(all.ids).toEqual(comments.map((c) => c.id));
  });

  it('page=2&limit=10 gives comments 11-20 of the same order', async () => {
    const res = await call(app, member, 'get', `/posts/${post.id}/comments?page=2&limit=10`);
    expect(res.status).toBe(200);
    expect((res.body as PageBody<CommentItem>).items.map((c) => c.id)).toEqual(visibleIds().slice(10, 20));
    const next = await call(app, member, 'get', `/posts/${post.id}/comments?limit=10&cursor=${res.body.nextCursor}`);
    expect((next.body as PageBody<CommentItem>).items.map((c) => c.id)).toEqual(visibleIds().slice(20));
    expect(next.body.nextCursor).toBeNull();
    const admin2 = await call(app, admin, 'get', `/posts/${post.id}/comments?page=2&limit=10`);
    expect((admin2.body as PageBody<CommentItem>).items.map((c) => c.id)).toEqual(comments.map((c) => c.id).slice(10, 20));
  });

  it('a comment written mid-walk appears at the end, nothing repeats', async () => {
    const p = await createPost(app, member, board.id);
    const first = await Promise.all([0, 1, 2, 3].map(async (i) => createComment(app, member, p.id, `w${i}`)));
    const page1 = (await call(app, member, 'get', `/posts/${p.id}/comments?limit=2`)).body as PageBody<CommentItem>;
    const late = await createComment(app, other, p.id, 'late');
    const rest = await walk<CommentItem>(app, member, `/posts/${p.id}/comments`, { limit: 2, cursor: page1.nextCursor! });
    expect([...page1.items.map((c) => c.id), ...rest.ids]).toEqual([...first.map((c) => c.id).sort((a, b) => a - b), late.id]);
  });

  it.each([
    ['not base64 JSON', 'garbage!!'],
    ['a string id', b64url(['x'])],
    ['two parts', b64url([1, 2])],
    ['null', b64url(null)],
    ['an id beyond the database integers', b64url([1e300])],
    ['a fractional id', b64url([1.5])],
  ])('rejects a cursor that is %s with 400 naming cursor', async (_label, cursor) => {
    const res = await call(app, member, 'get', `/posts/${post.id}/comments?cursor=${encodeURIComponent(cursor)}`);
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toContain('cursor');
  });

  it('answers 404 for a missing post', async () => {
    expectProblem(await call(app, member, 'get', '/posts/999999/comments'), 404, 'post_not_found');
  });

  it('keeps a fresh member’s view and the counter in step', async () => {
    const fresh = await actor(t, app);
    const { ids } = await walk<CommentItem>(app, fresh, `/posts/${post.id}/comments`, { limit: 100 });
    expect(ids).toHaveLength((await countersOf(t, post.id)).numberOfComment);
    await expectCountersExact(t, app, admin, post);
  });
});
