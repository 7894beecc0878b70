// What a member sees of their own likes: `likedByMe` on the post list and the post (left out for anonymous
// readers), and GET /users/me/likes, the latest like first, keyset-paged, without posts they may no longer read.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Express } from 'express';
import { expectProblem } from '../helpers/auth.js';
import { actor, call, createBoard, startSuite, type Actor, type Suite } from '../boards/setup.js';
import { createPost, type PageBody, type PostItem } from './helpers.js';

type Liked = PostItem & { likedByMe?: boolean; likedAt?: string };

let s: Suite;
let app: Express;
let admin: Actor;
let mina: Actor;
let joon: Actor;

beforeAll(async () => {
  s = await startSuite({ ANONYMOUS_READ: 'true' });
  app = s.app;
  admin = await actor(s.t, app, 'admin');
  mina = await actor(s.t, app);
  joon = await actor(s.t, app);
});

afterAll(async () => {
  await s.t.cleanup();
});

const like = async (who: Actor, postId: number) => expect((await call(app, who, 'put', `/posts/${postId}/like`)).status).toBe(200);

async function myLikes(who: Actor, query = ''): Promise<PageBody<Liked>> {
  const res = await call(app, who, 'get', `/users/me/likes${query}`);
  expect(res.status).toBe(200);
  return res.body as PageBody<Liked>;
}

/** Every page of /users/me/likes, following the cursors. */
async function allLikes(who: Actor, limit: number): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const page: PageBody<Liked> = await myLikes(who, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((p) => p.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

describe('likedByMe', () => {
  test('the list and the post say which posts the signed-in reader liked; anonymous readers get no field', async () => {
    const board = await createBoard(app, admin);
    const [a, b, c] = [await createPost(app, joon, board.id), await createPost(app, joon, board.id), await createPost(app, joon, board.id)];
    await like(mina, a.id);
    await like(mina, c.id);
    await like(joon, b.id);

    const list = await call(app, mina, 'get', `/boards/${board.id}/posts`);
    expect(list.status).toBe(200);
    const flags = Object.fromEntries((list.body as PageBody<Liked>).items.map((p) => [p.id, p.likedByMe]));
    expect(flags).toEqual({ [a.id]: true, [b.id]: false, [c.id]: true });

    // a second page gets its own answer
    const first = await call(app, mina, 'get', `/boards/${board.id}/posts?limit=2`);
    const second = await call(app, mina, 'get', `/boards/${board.id}/posts?limit=2&cursor=${(first.body as PageBody<Liked>).nextCursor}`);
    expect((second.body as PageBody<Liked>).items.map((p) => [p.id, p.likedByMe])).toEqual([[a.id, true]]);

    expect((await call(app, mina, 'get', `/boards/${board.id}/posts/${a.id}`)).body).toMatchObject({ id: a.id, likedByMe: true });
    expect((await call(app, mina, 'get', `/boards/${board.id}/posts/${b.id}`)).body).toMatchObject({ id: b.id, likedByMe: false });

    // taking the like back shows at once
    expect((await call(app, mina, 'delete', `/posts/${a.id}/like`)).status).toBe(200);
    expect((await call(app, mina, 'get', `/boards/${board.id}/posts/${a.id}`)).body).toMatchObject({ likedByMe: false });

    const anonymousList = await call(app, null, 'get', `/boards/${board.id}/posts`);
    expect(anonymousList.status).toBe(200);
    for (const p of (anonymousList.body as PageBody<Liked>).items) expect(p).not.toHaveProperty('likedByMe');
    const anonymousPost = await call(app, null, 'get', `/boards/${board.id}/posts/${c.id}`);
    expect(anonymousPost.status).toBe(200);
    expect(anonymousPost.body).not.toHaveProperty('likedByMe');
  });
});

describe('GET /users/me/likes', () => {
  test('the latest like first, every page through the cursor, no post twice', async () => {
    const reader = await actor(s.t, app);
    const board = await createBoard(app, admin);
    const posts = [];
    for (let i = 0; i < 5; i++) posts.push(await createPost(app, joon, board.id, { name: `liked ${i}` }));
    // liked in another order than written
    const order = [posts[2], posts[0], posts[4], posts[1], posts[3]];
    for (const p of order) await like(reader, p.id);

    const expected = order.map((p) => p.id).reverse();
    expect(await allLikes(reader, 2)).toEqual(expected);
    expect(await allLikes(reader, 100)).toEqual(expected);

    const page = await myLikes(reader, '?limit=1');
    expect(page.items[0]).toMatchObject({ id: posts[3].id, boardId: board.id, name: 'liked 3', likedByMe: true, numberOfLike: 1, author: { id: joon.id } });
    expect(Number.isNaN(Date.parse(page.items[0].likedAt!))).toBe(false);
    expect(page.items[0]).not.toHaveProperty('content');

    // someone else's likes are theirs
    expect((await myLikes(mina)).items.map((p) => p.id)).not.toContain(posts[3].id);
  });

  test('posts the member may no longer read are left out: revoked grant, disabled board, hidden or deleted post', async () => {
    const reader = await actor(s.t, app);
    const open = await createBoard(app, admin);
    const granted = await createBoard(app, admin, { isVisible: false, userIds: [reader.id, joon.id] });
    const closing = await createBoard(app, admin);
    const keep = await createPost(app, joon, open.id, { name: 'kept' });
    const toHide = await createPost(app, joon, open.id, { name: 'hidden later' });
    const toDelete = await createPost(app, joon, open.id, { name: 'deleted later' });
    const onGranted = await createPost(app, joon, granted.id, { name: 'on a granted board' });
    const onClosing = await createPost(app, joon, closing.id, { name: 'on a board disabled later' });
    for (const p of [keep, toHide, toDelete, onGranted, onClosing]) await like(reader, p.id);
    expect(await allLikes(reader, 2)).toEqual([onClosing.id, onGranted.id, toDelete.id, toHide.id, keep.id]);

    expect((await call(app, admin, 'put', `/boards/${granted.id}/grants`, { userIds: [joon.id] })).status).toBe(200);
    expect((await call(app, admin, 'patch', `/boards/${closing.id}`, { isAvailable: false })).status).toBe(200);
    expect((await call(app, admin, 'patch', `/boards/${open.id}/posts/${toHide.id}`, { isVisible: false })).status).toBe(200);
    expect((await call(app, joon, 'delete', `/boards/${open.id}/posts/${toDelete.id}`)).status).toBe(204);

    // pages of one skip the unreadable likes without coming back short
    expect(await allLikes(reader, 1)).toEqual([keep.id]);
    const only = await myLikes(reader, '?limit=1');
    expect(only).toEqual({ items: [expect.objectContaining({ id: keep.id })], nextCursor: null });

    // staff read hidden posts and disabled boards: their likes of them stay listed
    const moderator = await actor(s.t, app, 'admin');
    await like(moderator, keep.id);
    expect((await call(app, admin, 'patch', `/boards/${closing.id}`, { isAvailable: true })).status).toBe(200);
    await like(moderator, onClosing.id);
    expect((await call(app, admin, 'patch', `/boards/${closing.id}`, { isAvailable: false })).status).toBe(200);
    expect(await allLikes(moderator, 1)).toEqual([onClosing.id, keep.id]);
  });

  test('a member with many likes of unreadable posts still gets every readable one', async () => {
    const reader = await actor(s.t, app);
    const open = await createBoard(app, admin);
    const hidden = await createBoard(app, admin, { isVisible: false, userIds: [reader.id, joon.id] });
    const readable = await createPost(app, joon, open.id);
    await like(reader, readable.id);
    for (let i = 0; i < 25; i++) await like(reader, (await createPost(app, joon, hidden.id)).id);
    expect((await call(app, admin, 'put', `/boards/${hidden.id}/grants`, { userIds: [joon.id] })).status).toBe(200);
    // 25 unreadable likes before the readable one: with pages of 1, the scan is bounded and comes back short
    // with a cursor, and following the cursors reaches the readable post
    expect(await allLikes(reader, 1)).toEqual([readable.id]);
    expect(await allLikes(reader, 20)).toEqual([readable.id]);
  });

  test('signed-in only; a cursor it did not hand out is a 400', async () => {
    expectProblem(await call(app, null, 'get', '/users/me/likes'), 401, 'unauthorized');
    const bad = await call(app, mina, 'get', '/users/me/likes?cursor=bm90LWEtY3Vyc29y');
    expectProblem(bad, 400, 'validation_failed');
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'cursor', code: 'invalid_cursor' })]);
    expectProblem(await call(app, mina, 'get', '/users/me/likes?limit=0'), 400, 'validation_failed');
  });
});
