// Posts over the real API: writing (validation, board policy, 404-not-403 for boards one may not read),
// reading, author/moderator edits with hide/show auditing, deletes that cascade, idempotent likes, and the
// list endpoint's keyset and page pagination for every sort order, visibility and title search.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { b64url, expectProblem } from '../helpers/auth.js';
import type { TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { actor, boardName, call, createBoard, startSuite, type Actor, type Board } from '../boards/setup.js';
import { countersOf, createComment, createPost, fieldsOf, walk, type PageBody, type PostItem } from './helpers.js';

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
  board = await createBoard(app, admin, { name: boardName('posts') });
});
afterAll(() => t.cleanup());

const postPath = (p: { id: number; boardId: number }) => `/boards/${p.boardId}/posts/${p.id}`;
const postEvents = (action: string, postId: number) => t.ctx.prisma.auditEvent.findMany({ where: { action, targetType: 'post', targetId: String(postId) } });

describe(`POST /boards/:boardId/posts (${testProvider})`, () => {
  it('writes a post: 201, Location, the post with content, author, zero counters and no files', async () => {
    const res = await call(app, member, 'post', `/boards/${board.id}/posts`, { name: 'Hello there', content: 'First post body' });
    expect(res.status).toBe(201);
    const id = res.body.id as number;
    expect(res.headers.location).toBe(`/api/v1/boards/${board.id}/posts/${id}`);
    expect(res.body).toMatchObject({
      id: expect.any(Number),
      boardId: board.id,
      name: 'Hello there',
      content: 'First post body',
      author: { id: member.id, name: member.name },
      numberOfView: 0,
      numberOfComment: 0,
      numberOfLike: 0,
      isFileAttached: false,
      isVisible: true,
      files: [],
    });
    const row = await t.ctx.prisma.post.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ boardId: board.id, authorId: member.id, name: 'Hello there', content: 'First post body' });
    const fetched = await request(app).get(res.headers.location).set('Authorization', `Bearer ${other.token}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ id, name: 'Hello there', content: 'First post body', files: [] });
  });

  it('accepts a 64-character name', async () => {
    const post = await createPost(app, member, board.id, { name: 'n'.repeat(64) });
    expect(post.name).toBe('n'.repeat(64));
  });

  it.each([
    ['a whitespace-only name', 'name', { name: ' \t  ', content: 'c' }],
    ['an empty name', 'name', { name: '', content: 'c' }],
    ['a 65-character name', 'name', { name: 'n'.repeat(65), content: 'c' }],
    ['a missing name', 'name', { content: 'c' }],
    ['a whitespace-only content', 'content', { name: 'fine', content: '   ' }],
    ['a missing content', 'content', { name: 'fine' }],
  ])('rejects %s with 400 naming %s, and writes nothing', async (_label, field, body) => {
    const before = await t.ctx.prisma.post.count({ where: { boardId: board.id } });
    const res = await call(app, member, 'post', `/boards/${board.id}/posts`, body);
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toContain(field);
    expect(await t.ctx.prisma.post.count({ where: { boardId: board.id } })).toBe(before);
  });

  it('refuses an anonymous writer with 401', async () => {
    const res = await call(app, null, 'post', `/boards/${board.id}/posts`, { name: 'anon', content: 'c' });
    expectProblem(res, 401, 'unauthorized');
    expect(await t.ctx.prisma.post.count({ where: { boardId: board.id, name: 'anon' } })).toBe(0);
  });

  it('answers 404 board_not_found for a hidden board without a grant, a disabled board and a missing board, without the name', async () => {
    const hidden = await createBoard(app, admin, { name: boardName('secret-hidden'), isVisible: false });
    const disabled = await createBoard(app, admin, { name: boardName('secret-disabled'), isAvailable: false });
    const disabledGranted = await createBoard(app, admin, { name: boardName('secret-dis-granted'), isVisible: false, isAvailable: false, userIds: [member.id] });
    for (const b of [hidden, disabled, disabledGranted]) {
      const res = await call(app, member, 'post', `/boards/${b.id}/posts`, { name: 'sneaky', content: 'c' });
      expectProblem(res, 404, 'board_not_found');
      expect(JSON.stringify(res.body)).not.toContain(b.name);
      expect(await t.ctx.prisma.post.count({ where: { boardId: b.id } })).toBe(0);
      // nor may they read its list
      const list = await call(app, member, 'get', `/boards/${b.id}/posts`);
      expectProblem(list, 404, 'board_not_found');
      expect(JSON.stringify(list.body)).not.toContain(b.name);
    }
    expectProblem(await call(app, member, 'post', '/boards/999999/posts', { name: 'sneaky', content: 'c' }), 404, 'board_not_found');
    expectProblem(await call(app, member, 'get', '/boards/999999/posts'), 404, 'board_not_found');
  });

  it('lets a grant holder write on a hidden board, and staff on any board', async () => {
    const hidden = await createBoard(app, admin, { isVisible: false, userIds: [member.id] });
    const disabled = await createBoard(app, admin, { isAvailable: false });
    await createPost(app, member, hidden.id);
    expectProblem(await call(app, other, 'post', `/boards/${hidden.id}/posts`, { name: 'x', content: 'c' }), 404, 'board_not_found');
    await createPost(app, admin, hidden.id);
    await createPost(app, admin, disabled.id);
  });
});

describe('GET /boards/:boardId/posts/:postId', () => {
  let post: PostItem;
  let elsewhere: Board;
  beforeAll(async () => {
    post = await createPost(app, member, board.id, { name: 'readable', content: 'the content' });
    elsewhere = await createBoard(app, admin);
  });

  it('returns the post with its content and an empty files list', async () => {
    const res = await call(app, other, 'get', postPath(post));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: post.id, boardId: board.id, name: 'readable', content: 'the content', author: { id: member.id, name: member.name }, files: [], isVisible: true });
  });

  it('answers 404 post_not_found for a post asked for under another board, and for a missing post', async () => {
    expectProblem(await call(app, member, 'get', `/boards/${elsewhere.id}/posts/${post.id}`), 404, 'post_not_found');
    expectProblem(await call(app, admin, 'get', `/boards/${elsewhere.id}/posts/${post.id}`), 404, 'post_not_found');
    expectProblem(await call(app, member, 'get', `/boards/${board.id}/posts/999999`), 404, 'post_not_found');
  });

  it('hides a hidden post from members (its author too) but not from admins', async () => {
    const hidden = await createPost(app, member, board.id, { name: 'to be hidden' });
    expect((await call(app, admin, 'patch', postPath(hidden), { isVisible: false })).status).toBe(200);
    expectProblem(await call(app, other, 'get', postPath(hidden)), 404, 'post_not_found');
    expectProblem(await call(app, member, 'get', postPath(hidden)), 404, 'post_not_found');
    const res = await call(app, admin, 'get', postPath(hidden));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: hidden.id, isVisible: false, content: 'some content' });
  });

  it('needs a token when ANONYMOUS_READ is off (the default)', async () => {
    expectProblem(await call(app, null, 'get', postPath(post)), 401, 'unauthorized');
    expectProblem(await call(app, null, 'get', `/boards/${board.id}/posts`), 401, 'unauthorized');
  });
});

describe('PATCH /boards/:boardId/posts/:postId', () => {
  it('lets the author edit name and content', async () => {
    const post = await createPost(app, member, board.id, { name: 'before', content: 'old' });
    const res = await call(app, member, 'patch', postPath(post), { name: 'after', content: 'new' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: post.id, name: 'after', content: 'new', isVisible: true, files: [] });
    expect(await t.ctx.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).toMatchObject({ name: 'after', content: 'new' });
  });

  it('refuses another member with 403 not_author and changes nothing', async () => {
    const post = await createPost(app, member, board.id, { name: 'mine' });
    expectProblem(await call(app, other, 'patch', postPath(post), { name: 'theirs' }), 403, 'not_author');
    expectProblem(await call(app, other, 'patch', postPath(post), { isVisible: false }), 403, 'not_author');
    expect(await t.ctx.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).toMatchObject({ name: 'mine', isVisible: true });
  });

  it('refuses a member (even the author) setting isVisible with 403 forbidden', async () => {
    const post = await createPost(app, member, board.id);
    expectProblem(await call(app, member, 'patch', postPath(post), { isVisible: false }), 403, 'forbidden');
    expectProblem(await call(app, member, 'patch', postPath(post), { name: 'renamed', isVisible: true }), 403, 'forbidden');
    expect(await t.ctx.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).toMatchObject({ name: 'a post', isVisible: true });
    expect(await postEvents('post.hidden', post.id)).toHaveLength(0);
  });

  it('rejects a bad body with 400: an empty patch, a whitespace name, unknown properties', async () => {
    const post = await createPost(app, member, board.id);
    expectProblem(await call(app, member, 'patch', postPath(post), {}), 400, 'validation_failed');
    const blank = await call(app, member, 'patch', postPath(post), { name: '  ' });
    expectProblem(blank, 400, 'validation_failed');
    expect(fieldsOf(blank)).toContain('name');
    expectProblem(await call(app, member, 'patch', postPath(post), { boardId: 1 }), 400, 'validation_failed');
    expectProblem(await call(app, null, 'patch', postPath(post), { name: 'x' }), 401, 'unauthorized');
  });

  it('answers 404 for a post patched under another board', async () => {
    const post = await createPost(app, member, board.id, { name: 'stays' });
    const elsewhere = await createBoard(app, admin);
    expectProblem(await call(app, member, 'patch', `/boards/${elsewhere.id}/posts/${post.id}`, { name: 'moved?' }), 404, 'post_not_found');
    expectProblem(await call(app, admin, 'patch', `/boards/${elsewhere.id}/posts/${post.id}`, { isVisible: false }), 404, 'post_not_found');
    expect(await t.ctx.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).toMatchObject({ name: 'stays', isVisible: true, boardId: board.id });
  });

  it('lets an admin hide a post (gone from members, audited post.hidden) and show it again (back, audited post.shown)', async () => {
    const post = await createPost(app, member, board.id, { name: 'moderated' });
    const listed = async (who: Actor) => ((await call(app, who, 'get', `/boards/${board.id}/posts?limit=100`)).body as PageBody<PostItem>).items.map((p) => p.id);
    expect(await listed(other)).toContain(post.id);

    const hide = await call(app, admin, 'patch', postPath(post), { isVisible: false });
    expect(hide.status).toBe(200);
    expect(hide.body).toMatchObject({ id: post.id, isVisible: false });
    expect(await listed(other)).not.toContain(post.id);
    expect(await listed(member)).not.toContain(post.id);
    expect(await listed(admin)).toContain(post.id);
    expectProblem(await call(app, other, 'get', postPath(post)), 404, 'post_not_found');
    expectProblem(await call(app, member, 'get', postPath(post)), 404, 'post_not_found');
    // the author cannot edit or delete what they can no longer see
    expectProblem(await call(app, member, 'patch', postPath(post), { name: 'sneaky edit' }), 404, 'post_not_found');
    expectProblem(await call(app, member, 'delete', postPath(post)), 404, 'post_not_found');
    expect(await postEvents('post.hidden', post.id)).toEqual([expect.objectContaining({ actorId: admin.id, targetType: 'post', targetId: String(post.id) })]);

    // hiding a hidden post again is no new event
    expect((await call(app, admin, 'patch', postPath(post), { isVisible: false })).status).toBe(200);
    expect(await postEvents('post.hidden', post.id)).toHaveLength(1);

    const show = await call(app, admin, 'patch', postPath(post), { isVisible: true });
    expect(show.status).toBe(200);
    expect(show.body.isVisible).toBe(true);
    expect(await listed(other)).toContain(post.id);
    expect((await call(app, other, 'get', postPath(post))).status).toBe(200);
    expect(await postEvents('post.shown', post.id)).toEqual([expect.objectContaining({ actorId: admin.id })]);
    expect(await t.ctx.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).toMatchObject({ name: 'moderated', isVisible: true });
  });

  it('lets an admin edit anyone’s post', async () => {
    const post = await createPost(app, member, board.id);
    const res = await call(app, admin, 'patch', postPath(post), { content: 'moderated text' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ content: 'moderated text', author: { id: member.id } });
  });
});

describe('DELETE /boards/:boardId/posts/:postId', () => {
  it('refuses another member with 403 not_author and keeps the post', async () => {
    const post = await createPost(app, member, board.id);
    expectProblem(await call(app, other, 'delete', postPath(post)), 403, 'not_author');
    expectProblem(await call(app, null, 'delete', postPath(post)), 401, 'unauthorized');
    expect(await t.ctx.prisma.post.count({ where: { id: post.id } })).toBe(1);
  });

  it('lets the author delete: 204, then 404; its comments and likes go with it', async () => {
    const post = await createPost(app, member, board.id);
    await createComment(app, other, post.id, 'c1');
    await createComment(app, member, post.id, 'c2');
    const hiddenComment = await createComment(app, other, post.id, 'c3');
    expect((await call(app, admin, 'patch', `/comments/${hiddenComment.id}`, { isVisible: false })).status).toBe(200);
    for (const who of [member, other, admin]) expect((await call(app, who, 'put', `/posts/${post.id}/like`)).status).toBe(200);
    expect(await t.ctx.prisma.comment.count({ where: { postId: post.id } })).toBe(3);
    expect(await t.ctx.prisma.postLike.count({ where: { postId: post.id } })).toBe(3);

    const res = await call(app, member, 'delete', postPath(post));
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await t.ctx.prisma.post.count({ where: { id: post.id } })).toBe(0);
    expect(await t.ctx.prisma.comment.count({ where: { postId: post.id } })).toBe(0);
    expect(await t.ctx.prisma.postLike.count({ where: { postId: post.id } })).toBe(0);
    expectProblem(await call(app, member, 'get', postPath(post)), 404, 'post_not_found');
    expectProblem(await call(app, member, 'delete', postPath(post)), 404, 'post_not_found');
    expectProblem(await call(app, other, 'get', `/comments/${hiddenComment.id}`), 404, 'comment_not_found');
    expectProblem(await call(app, other, 'put', `/posts/${post.id}/like`), 404, 'post_not_found');
    // the author deleting their own post is not a moderation event
    expect(await postEvents('post.deleted_by_moderator', post.id)).toHaveLength(0);
  });

  it('lets an admin delete anyone’s post, audited post.deleted_by_moderator', async () => {
    const post = await createPost(app, member, board.id);
    await createComment(app, other, post.id);
    expect((await call(app, admin, 'delete', postPath(post))).status).toBe(204);
    expect(await t.ctx.prisma.post.count({ where: { id: post.id } })).toBe(0);
    expect(await t.ctx.prisma.comment.count({ where: { postId: post.id } })).toBe(0);
    expect(await postEvents('post.deleted_by_moderator', post.id)).toEqual([expect.objectContaining({ actorId: admin.id })]);
  });

  it('answers 404 for a post deleted under another board, and keeps it', async () => {
    const post = await createPost(app, member, board.id);
    const elsewhere = await createBoard(app, admin);
    expectProblem(await call(app, member, 'delete', `/boards/${elsewhere.id}/posts/${post.id}`), 404, 'post_not_found');
    expect(await t.ctx.prisma.post.count({ where: { id: post.id } })).toBe(1);
  });
});

describe('PUT/DELETE /posts/:postId/like', () => {
  it('likes and unlikes idempotently: one row per member, the count moves once', async () => {
    const post = await createPost(app, member, board.id);
    const like = (who: Actor) => call(app, who, 'put', `/posts/${post.id}/like`);
    const unlike = (who: Actor) => call(app, who, 'delete', `/posts/${post.id}/like`);

    let res = await like(other);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ postId: post.id, liked: true, numberOfLike: 1 });
    res = await like(other);
    expect(res.body).toEqual({ postId: post.id, liked: true, numberOfLike: 1 });
    expect(await t.ctx.prisma.postLike.count({ where: { postId: post.id } })).toBe(1);

    res = await like(member);
    expect(res.body).toEqual({ postId: post.id, liked: true, numberOfLike: 2 });
    res = await like(admin);
    expect(res.body).toEqual({ postId: post.id, liked: true, numberOfLike: 3 });

    res = await unlike(other);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ postId: post.id, liked: false, numberOfLike: 2 });
    res = await unlike(other);
    expect(res.body).toEqual({ postId: post.id, liked: false, numberOfLike: 2 });
    expect(await t.ctx.prisma.postLike.findMany({ where: { postId: post.id }, select: { userId: true }, orderBy: { userId: 'asc' } })).toEqual(
      [member.id, admin.id].sort((a, b) => a - b).map((userId) => ({ userId })),
    );

    // never liked: unliking changes nothing
    const fresh = await actor(t, app);
    res = await call(app, fresh, 'delete', `/posts/${post.id}/like`);
    expect(res.body).toEqual({ postId: post.id, liked: false, numberOfLike: 2 });

    const detail = await call(app, other, 'get', postPath(post));
    expect(detail.body.numberOfLike).toBe(2);
    const c = await countersOf(t, post.id);
    expect(c.numberOfLike).toBe(c.likes);
  });

  it('answers 401 anonymously, 404 for a missing post and for a hidden post a member cannot see', async () => {
    const post = await createPost(app, member, board.id);
    expectProblem(await call(app, null, 'put', `/posts/${post.id}/like`), 401, 'unauthorized');
    expectProblem(await call(app, member, 'put', '/posts/999999/like'), 404, 'post_not_found');
    expectProblem(await call(app, member, 'delete', '/posts/999999/like'), 404, 'post_not_found');
    expect((await call(app, admin, 'patch', postPath(post), { isVisible: false })).status).toBe(200);
    expectProblem(await call(app, other, 'put', `/posts/${post.id}/like`), 404, 'post_not_found');
    expect(await t.ctx.prisma.postLike.count({ where: { postId: post.id } })).toBe(0);
    // staff still can
    expect((await call(app, admin, 'put', `/posts/${post.id}/like`)).body).toEqual({ postId: post.id, liked: true, numberOfLike: 1 });
  });

  it('answers 404 post_not_found (as for a missing post) once the grant to a hidden board is revoked', async () => {
    const hidden = await createBoard(app, admin, { name: boardName('revoked'), isVisible: false, userIds: [member.id] });
    const post = await createPost(app, admin, hidden.id);
    expect((await call(app, member, 'put', `/posts/${post.id}/like`)).body).toEqual({ postId: post.id, liked: true, numberOfLike: 1 });
    expect((await call(app, member, 'delete', `/posts/${post.id}/like`)).body).toEqual({ postId: post.id, liked: false, numberOfLike: 0 });

    expect((await call(app, admin, 'put', `/boards/${hidden.id}/grants`, { userIds: [] })).status).toBe(200);
    const res = await call(app, member, 'put', `/posts/${post.id}/like`);
    expectProblem(res, 404, 'post_not_found');
    expect(JSON.stringify(res.body)).not.toContain(hidden.name);
    expectProblem(await call(app, member, 'delete', `/posts/${post.id}/like`), 404, 'post_not_found');
    expectProblem(await call(app, member, 'get', postPath(post)), 404, 'post_not_found');
    expectProblem(await call(app, member, 'post', `/posts/${post.id}/comments`, { content: 'hi' }), 404, 'post_not_found');
    expect(await t.ctx.prisma.postLike.count({ where: { postId: post.id } })).toBe(0);
    expect((await t.ctx.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).numberOfLike).toBe(0);
  });
});

describe('GET /boards/:boardId/posts (listing)', () => {
  const N = 25;
  const sorts = ['new', 'views', 'likes', 'comments'] as const;
  type Sort = (typeof sorts)[number];
  let listBoard: Board;
  let posts: PostItem[];
  let likers: Actor[];
  let hiddenIds: number[];

  /** Name of the i-th post: some carry "Needle", one a literal %, one a literal _. */
  const nameOf = (i: number) => {
    const base = `p${String(i).padStart(2, '0')}`;
    if (i === 7) return `${base} 50% off`;
    if (i === 8) return `${base} a_b`;
    return i % 6 === 0 ? `${base} Needle` : base;
  };

  beforeAll(async () => {
    listBoard = await createBoard(app, admin, { name: boardName('listing') });
    likers = [member, other, admin, await actor(t, app)];
    posts = [];
    for (let i = 0; i < N; i++) posts.push(await createPost(app, likers[i % 3], listBoard.id, { name: nameOf(i), content: `content of ${i}` }));
    const base = Date.now() - 3_600_000;
    for (const [i, p] of posts.entries()) {
      // likes and comments through the API; views and creation times (five values, so ties) set directly
      for (const who of likers.slice(0, (i * 5) % 4)) expect((await call(app, who, 'put', `/posts/${p.id}/like`)).status).toBe(200);
      for (let c = 0; c < (i * 7) % 3; c++) await createComment(app, likers[c], p.id, `comment ${c}`);
      await t.ctx.prisma.post.update({ where: { id: p.id }, data: { numberOfView: (i * 3) % 5, createDate: new Date(base + ((i * 7) % 5) * 1000) } });
    }
    hiddenIds = [posts[6].id, posts[11].id];
    for (const id of hiddenIds) expect((await call(app, admin, 'patch', `/boards/${listBoard.id}/posts/${id}`, { isVisible: false })).status).toBe(200);
  });

  /** The order the API must produce, computed from the rows: the sort column descending, then id descending. */
  async function expected(sort: Sort, staff: boolean, filter: (name: string) => boolean = () => true): Promise<number[]> {
    const rows = await t.ctx.prisma.post.findMany({ where: { boardId: listBoard.id } });
    const key = (r: (typeof rows)[number]) => (sort === 'new' ? r.createDate.getTime() : sort === 'views' ? r.numberOfView : sort === 'likes' ? r.numberOfLike : r.numberOfComment);
    return rows
      .filter((r) => (staff || r.isVisible) && filter(r.name))
      .sort((a, b) => key(b) - key(a) || b.id - a.id)
      .map((r) => r.id);
  }

  it('the fixture makes every sort order different, with ties', async () => {
    const orders = await Promise.all(sorts.map((s) => expected(s, true)));
    expect(new Set(orders.map((o) => o.join(','))).size).toBe(sorts.length);
    const rows = await t.ctx.prisma.post.findMany({ where: { boardId: listBoard.id } });
    expect(rows).toHaveLength(N);
    expect(new Set(rows.map((r) => r.numberOfLike)).size).toBeGreaterThan(1);
    expect(new Set(rows.map((r) => r.numberOfComment)).size).toBeGreaterThan(1);
    expect(new Set(rows.map((r) => r.createDate.getTime())).size).toBeLessThan(N);
  });

  it('lists items without content, with author, counters and isFileAttached', async () => {
    const res = await call(app, member, 'get', `/boards/${listBoard.id}/posts?limit=100`);
    expect(res.status).toBe(200);
    const body = res.body as PageBody<PostItem>;
    expect(body.nextCursor).toBeNull();
    expect(body.items).toHaveLength(N - hiddenIds.length);
    expect(body).not.toHaveProperty('page');
    const rows = new Map((await t.ctx.prisma.post.findMany({ where: { boardId: listBoard.id }, include: { author: true, likes: { where: { userId: member.id } } } })).map((r) => [r.id, r]));
    for (const item of body.items) {
      const row = rows.get(item.id)!;
      expect(item).not.toHaveProperty('content');
      expect(item).not.toHaveProperty('files');
      expect(item).toEqual({
        id: row.id,
        boardId: listBoard.id,
        name: row.name,
        author: { id: row.authorId, name: row.author.name },
        createDate: row.createDate.toISOString(),
        updateDate: row.updateDate.toISOString(),
        numberOfView: row.numberOfView,
        numberOfComment: row.numberOfComment,
        numberOfLike: row.numberOfLike,
        isFileAttached: false,
        isVisible: true,
        likedByMe: row.likes.length > 0,
      });
    }
  });

  for (const sort of sorts) {
    it(`walks every visible post once with keyset pagination, sort=${sort} (member and admin)`, async () => {
      for (const [who, staff] of [
        [member, false],
        [admin, true],
      ] as const) {
        const { ids, pages } = await walk<PostItem>(app, who, `/boards/${listBoard.id}/posts`, { sort, limit: 4 });
        const want = await expected(sort, staff);
        expect(ids).toEqual(want);
        expect(new Set(ids).size).toBe(ids.length);
        expect(pages.slice(0, -1).every((p) => p.items.length === 4)).toBe(true);
        expect(pages[pages.length - 1].nextCursor).toBeNull();
        for (const id of hiddenIds) expect(ids.includes(id)).toBe(staff);
      }
    });

    it(`page=2&limit=10 gives items 11-20 of the same order, sort=${sort}`, async () => {
      const want = await expected(sort, false);
      const res = await call(app, member, 'get', `/boards/${listBoard.id}/posts?sort=${sort}&page=2&limit=10`);
      expect(res.status).toBe(200);
      const body = res.body as PageBody<PostItem>;
      expect(body.page).toBe(2);
      expect(body.items.map((p) => p.id)).toEqual(want.slice(10, 20));
      const first = (await call(app, member, 'get', `/boards/${listBoard.id}/posts?sort=${sort}&page=1&limit=10`)).body as PageBody<PostItem>;
      expect(first.items.map((p) => p.id)).toEqual(want.slice(0, 10));
      // the keyset cursor of a page continues right after it
      expect(body.nextCursor).toEqual(expect.any(String));
      const next = await call(app, member, 'get', `/boards/${listBoard.id}/posts?sort=${sort}&limit=10&cursor=${body.nextCursor}`);
      expect((next.body as PageBody<PostItem>).items.map((p) => p.id)).toEqual(want.slice(20, 30));
      expect(next.body.nextCursor).toBeNull();
      const third = (await call(app, member, 'get', `/boards/${listBoard.id}/posts?sort=${sort}&page=3&limit=10`)).body as PageBody<PostItem>;
      expect(third.items.map((p) => p.id)).toEqual(want.slice(20, 30));
      expect(third.nextCursor).toBeNull();
    });
  }

  it('sorts newest first by default', async () => {
    const { ids } = await walk<PostItem>(app, admin, `/boards/${listBoard.id}/posts`, { limit: 7 });
    expect(ids).toEqual(await expected('new', true));
  });

  it('answers an empty page past the end', async () => {
    const res = await call(app, member, 'get', `/boards/${listBoard.id}/posts?page=9&limit=10`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ items: [], nextCursor: null, page: 9 });
  });

  it('sees a post created mid-walk neither twice nor instead of an older one', async () => {
    const b = await createBoard(app, admin);
    for (let i = 0; i < 6; i++) await createPost(app, member, b.id, { name: `w${i}` });
    const first = (await call(app, member, 'get', `/boards/${b.id}/posts?limit=3`)).body as PageBody<PostItem>;
    await createPost(app, member, b.id, { name: 'latecomer' });
    const second = (await call(app, member, 'get', `/boards/${b.id}/posts?limit=3&cursor=${first.nextCursor}`)).body as PageBody<PostItem>;
    expect([...first.items, ...second.items].map((p) => p.name)).toEqual(['w5', 'w4', 'w3', 'w2', 'w1', 'w0']);
  });

  it.each([
    ['Needle', (n: string) => n.includes('Needle')],
    ['p1', (n: string) => n.includes('p1')],
    ['0%', (n: string) => n.includes('0%')],
    ['_', (n: string) => n.includes('_')],
  ])('q=%s filters by a literal substring of the title (with every sort and pagination)', async (q, filter) => {
    for (const [who, staff] of [
      [member, false],
      [admin, true],
    ] as const) {
      for (const sort of sorts) {
        const { ids } = await walk<PostItem>(app, who, `/boards/${listBoard.id}/posts`, { q, sort, limit: 2 });
        const want = await expected(sort, staff, filter);
        expect(want.length).toBeGreaterThan(0);
        expect(ids).toEqual(want);
      }
    }
  });

  it('q matching nothing answers an empty page', async () => {
    const res = await call(app, member, 'get', `/boards/${listBoard.id}/posts?q=${encodeURIComponent('no such title')}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['not base64 JSON', 'new', 'garbage!!'],
    ['base64 of text', 'new', b64url('hello')],
    ['an object', 'new', b64url({ a: 1 })],
    ['too many parts', 'likes', b64url([1, 2, 3])],
    ['a string where a count belongs', 'likes', b64url(['x', 1])],
    ['a number where a date belongs', 'new', b64url([5, 1])],
    ['a string that is no date', 'new', b64url(['not-a-date', 10])],
    ['a count beyond the database integers', 'likes', b64url([1e300, 1])],
    ['a fractional count', 'views', b64url([1.5, 1])],
    ['an id beyond the database integers', 'new', b64url([new Date().toISOString(), 2 ** 31])],
  ])('rejects a cursor that is %s (sort=%s) with 400 naming cursor', async (_label, sort, cursor) => {
    const res = await call(app, member, 'get', `/boards/${listBoard.id}/posts?sort=${sort}&cursor=${encodeURIComponent(cursor)}`);
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toContain('cursor');
  });

  it('rejects a cursor made for another sort order with 400 naming cursor', async () => {
    const first = (await call(app, member, 'get', `/boards/${listBoard.id}/posts?sort=new&limit=3`)).body as PageBody<PostItem>;
    const res = await call(app, member, 'get', `/boards/${listBoard.id}/posts?sort=likes&cursor=${first.nextCursor}`);
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toContain('cursor');
  });

  it.each([
    ['sort', 'sort=oldest'],
    ['limit', 'limit=0'],
    ['limit', 'limit=101'],
    ['page', 'page=0'],
    ['q', 'q='],
  ])('rejects a bad %s with 400', async (field, qs) => {
    const res = await call(app, member, 'get', `/boards/${listBoard.id}/posts?${qs}`);
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toContain(field);
  });

  it('lists only the posts of the board asked for', async () => {
    const res = await call(app, admin, 'get', `/boards/${board.id}/posts?limit=100`);
    const ids = (res.body as PageBody<PostItem>).items.map((p) => p.id);
    for (const p of posts) expect(ids).not.toContain(p.id);
  });
});
