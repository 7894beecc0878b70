// The acceptance criterion for counters: under parallel requests numberOfLike stays equal to the like rows
// and numberOfComment to the visible comments, and every request still gets a proper answer (no 500s).
// Runs on SQLite and, with TEST_DATABASE=mysql, on MariaDB.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import type request from 'supertest';
import type { TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { actor, call, createBoard, startSuite, type Actor, type Board } from '../boards/setup.js';
import { countersOf, createComment, createPost, expectCountersExact, type CommentItem, type PostItem } from './helpers.js';

let t: TestContext;
let app: Express;
let admin: Actor;
let members: Actor[];
let board: Board;

beforeAll(async () => {
  ({ t, app } = await startSuite({ LOGIN_RATE_LIMIT_IP: '100000' }));
  admin = await actor(t, app, 'admin');
  members = [];
  for (let i = 0; i < 6; i++) members.push(await actor(t, app));
  board = await createBoard(app, admin);
}, 60_000);
afterAll(() => t.cleanup());

/** How many responses had each status, e.g. { 200: 50 }: a failure shows every stray status at once. */
const statusCounts = (responses: request.Response[]) => responses.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
/** The responses whose status is not one of `ok`, as "METHOD path -> status code" lines. */
const problems = (responses: request.Response[], ok: number[]) =>
  responses.filter((r) => !ok.includes(r.status)).map((r) => `${r.request.method} ${new URL(r.request.url).pathname} -> ${r.status} ${String((r.body as { code?: unknown }).code)}`);

/** 50 like/unlike requests from the six members, a deterministic mix of both. */
function likeStorm(post: PostItem, n = 50, seed = 0) {
  return Array.from({ length: n }, (_, k) => {
    const who = members[k % members.length];
    const liked = ((k + seed) * 7 + Math.floor(k / members.length)) % 3 !== 0;
    return { liked, req: call(app, who, liked ? 'put' : 'delete', `/posts/${post.id}/like`) };
  });
}

describe(`concurrent likes and comments (${testProvider})`, () => {
  it('keeps both counters exact under 50 parallel likes/unlikes plus parallel comment creates, deletes and hides', async () => {
    const liked = await createPost(app, members[0], board.id, { name: 'like me' });
    const discussed = await createPost(app, members[1], board.id, { name: 'discuss me' });
    const existing: CommentItem[] = [];
    for (let i = 0; i < 16; i++) existing.push(await createComment(app, members[i % members.length], discussed.id, `old ${i}`));
    // 11 and 12 start hidden; 11 is shown again during the storm, 12 is shown while an admin deletes it
    for (const i of [11, 12]) expect((await call(app, admin, 'patch', `/comments/${existing[i].id}`, { isVisible: false })).status).toBe(200);
    const authorOf = (i: number) => members[i % members.length];

    const likes = likeStorm(liked);
    const creates = Array.from({ length: 20 }, (_, i) => call(app, members[i % members.length], 'post', `/posts/${discussed.id}/comments`, { content: `new ${i}` }));
    const authorDeletes = [0, 1, 2, 3].map((i) => call(app, authorOf(i), 'delete', `/comments/${existing[i].id}`));
    const adminDeletes = [4, 5, 6, 7, 0, 12].map((i) => call(app, admin, 'delete', `/comments/${existing[i].id}`));
    const plainHides = [8, 9, 10, 10].map((i) => call(app, admin, 'patch', `/comments/${existing[i].id}`, { isVisible: false }));
    const racingHides = [4, 5].map((i) => call(app, admin, 'patch', `/comments/${existing[i].id}`, { isVisible: false }));
    const shows = [11].map((i) => call(app, admin, 'patch', `/comments/${existing[i].id}`, { isVisible: true }));
    const racingShows = [12].map((i) => call(app, admin, 'patch', `/comments/${existing[i].id}`, { isVisible: true }));

    const [likeRes, createRes, authorDelRes, adminDelRes, hideRes, racingHideRes, showRes, racingShowRes] = await Promise.all([
      Promise.all(likes.map((l) => l.req)),
      Promise.all(creates),
      Promise.all(authorDeletes),
      Promise.all(adminDeletes),
      Promise.all(plainHides),
      Promise.all(racingHides),
      Promise.all(shows),
      Promise.all(racingShows),
    ]);

    // the counters equal what they count (checked first: they must hold even if some request failed)
    expect(await t.ctx.prisma.postLike.count({ where: { postId: liked.id } })).toBeLessThanOrEqual(members.length);
    await expectCountersExact(t, app, admin, liked);
    const c = await expectCountersExact(t, app, admin, discussed);

    // every request got a proper answer
    expect(problems(likeRes, [200])).toEqual([]);
    expect(statusCounts(likeRes)).toEqual({ 200: 50 });
    likeRes.forEach((r, k) => {
      expect(r.body).toEqual({ postId: liked.id, liked: likes[k].liked, numberOfLike: expect.any(Number) });
      expect(r.body.numberOfLike).toBeGreaterThanOrEqual(0);
      expect(r.body.numberOfLike).toBeLessThanOrEqual(members.length);
    });
    expect(problems(createRes, [201])).toEqual([]);
    expect(problems(hideRes, [200])).toEqual([]);
    expect(problems(showRes, [200])).toEqual([]);
    // comment 0 is deleted by its author and by an admin at once: one of them may find it gone
    expect(problems(authorDelRes, [204, 404])).toEqual([]);
    expect(problems(adminDelRes, [204, 404])).toEqual([]);
    expect(authorDelRes.slice(1).map((r) => r.status)).toEqual([204, 204, 204]);
    expect(adminDelRes.slice(0, 4).map((r) => r.status)).toEqual([204, 204, 204, 204]);
    expect([authorDelRes[0].status, adminDelRes[4].status]).toContain(204);
    // hiding or showing a comment an admin deletes at the same moment: done first, or finds it gone
    expect(problems([...racingHideRes, ...racingShowRes], [200, 404])).toEqual([]);

    // and the rows are what the requests asked for
    const deleted = [0, 1, 2, 3, 4, 5, 6, 7, 12].map((i) => existing[i].id);
    expect(await t.ctx.prisma.comment.count({ where: { id: { in: deleted } } })).toBe(0);
    const rows = await t.ctx.prisma.comment.findMany({ where: { postId: discussed.id }, select: { id: true, isVisible: true } });
    expect(rows).toHaveLength(16 - deleted.length + 20);
    const visibility = new Map(rows.map((r) => [r.id, r.isVisible]));
    expect([8, 9, 10, 11, 13].map((i) => visibility.get(existing[i].id))).toEqual([false, false, false, true, true]);
    expect(c.visibleComments).toBe(16 - deleted.length + 20 - 3);
    expect((await countersOf(t, discussed.id)).numberOfComment).toBe(c.visibleComments);
  }, 60_000);

  it('ends at exactly six likes when every member likes twice at once, and at zero when all unlike twice', async () => {
    const post = await createPost(app, admin, board.id, { name: 'all like' });
    const likeAll = await Promise.all([...members, ...members].map((m) => call(app, m, 'put', `/posts/${post.id}/like`)));
    await expectCountersExact(t, app, admin, post);
    expect(problems(likeAll, [200])).toEqual([]);
    expect(await countersOf(t, post.id)).toMatchObject({ numberOfLike: 6, likes: 6 });
    const unlikeAll = await Promise.all([...members, ...members].map((m) => call(app, m, 'delete', `/posts/${post.id}/like`)));
    await expectCountersExact(t, app, admin, post);
    expect(problems(unlikeAll, [200])).toEqual([]);
    expect(await countersOf(t, post.id)).toMatchObject({ numberOfLike: 0, likes: 0 });
  }, 60_000);

  it('stays exact over repeated storms of likes and unlikes', async () => {
    const post = await createPost(app, admin, board.id, { name: 'storms' });
    for (let round = 1; round <= 3; round++) {
      const storm = likeStorm(post, 50, round);
      const res = await Promise.all(storm.map((l) => l.req));
      await expectCountersExact(t, app, admin, post);
      expect(problems(res, [200])).toEqual([]);
    }
  }, 60_000);

  it('stays exact when comments are created and hidden, shown and deleted in parallel, twice over', async () => {
    const post = await createPost(app, admin, board.id, { name: 'comment storm' });
    const seed: CommentItem[] = [];
    for (let i = 0; i < 12; i++) seed.push(await createComment(app, members[i % members.length], post.id, `seed ${i}`));
    const ops = [
      ...Array.from({ length: 12 }, (_, i) => call(app, members[i % members.length], 'post', `/posts/${post.id}/comments`, { content: `storm ${i}` })),
      // hide twice at once, hide then delete, show a visible one, delete twice at once
      ...[0, 0, 1, 2, 2].map((i) => call(app, admin, 'patch', `/comments/${seed[i].id}`, { isVisible: false })),
      ...[3].map((i) => call(app, admin, 'patch', `/comments/${seed[i].id}`, { isVisible: true })),
      ...[1, 4, 4, 5].map((i) => call(app, admin, 'delete', `/comments/${seed[i].id}`)),
    ];
    const res = await Promise.all(ops);
    const c = await expectCountersExact(t, app, admin, post);
    expect(problems(res.slice(0, 12), [201])).toEqual([]);
    expect(problems(res.slice(12), [200, 204, 404])).toEqual([]);
    // seed 0 and 2 hidden, seed 1, 4 and 5 deleted: 12 - 3 + 12 rows, 2 of them hidden
    expect(c.visibleComments).toBe(12 - 3 + 12 - 2);

    // and back: show everything that is hidden, again in parallel and twice
    const hidden = await t.ctx.prisma.comment.findMany({ where: { postId: post.id, isVisible: false }, select: { id: true } });
    const shows = await Promise.all([...hidden, ...hidden].map((h) => call(app, admin, 'patch', `/comments/${h.id}`, { isVisible: true })));
    const after = await expectCountersExact(t, app, admin, post);
    expect(problems(shows, [200])).toEqual([]);
    expect(after.visibleComments).toBe(12 - 3 + 12);
  }, 60_000);
});
