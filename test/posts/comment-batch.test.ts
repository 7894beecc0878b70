// Comment creation under a burst (group-committed: src/comments/service.ts, docs/decisions/0010): 200 parallel
// requests over HTTP leave every row, an exact counter and one notification job per comment; the invalid requests
// among them fail alone with their 4xx. A row that the database refuses in the middle of a batch (its post deleted
// while it waited) fails alone with its 404, and the batch's others are written (SQLite only: the trigger that
// makes the database refuse it is SQLite's). Runs on SQLite and, with TEST_DATABASE=mysql, on MariaDB.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import type request from 'supertest';
import type { TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';
import { queueNames } from '../../src/platform/queue.js';
import { actor, call, createBoard, startSuite, type Actor, type Board } from '../boards/setup.js';
import { createPost, expectCountersExact, type CommentItem } from './helpers.js';

let t: TestContext;
let app: Express;
let admin: Actor;
let members: Actor[];
let board: Board;

beforeAll(async () => {
  ({ t, app } = await startSuite({ LOGIN_RATE_LIMIT_IP: '100000' }));
  admin = await actor(t, app, 'admin');
  members = [];
  for (let i = 0; i < 5; i++) members.push(await actor(t, app));
  board = await createBoard(app, admin);
}, 60_000);
afterAll(() => t.cleanup());

const statusCounts = (responses: request.Response[]) => responses.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

/** Every comment has its notification job (the worker may have run it already: completed jobs are kept). */
async function expectNotified(ids: number[]) {
  const queue = t.ctx.queues.get(queueNames.notifications);
  await waitFor('a notification job for every comment', async () => (await Promise.all(ids.map((id) => queue.getJob(`comment-${id}`)))).every(Boolean));
}

describe(`a burst of comment creations (${testProvider})`, () => {
  it('writes all 200 parallel comments with an exact counter; the invalid ones among them fail alone with their 4xx', async () => {
    const post = await createPost(app, members[0], board.id, { name: 'burst' });
    const invalid = new Set([37, 100, 163]);
    const missing = 120;
    const requests = Array.from({ length: 200 }, (_, i) => {
      const who = members[i % members.length];
      if (invalid.has(i)) return call(app, who, 'post', `/posts/${post.id}/comments`, { content: '   ' });
      if (i === missing) return call(app, who, 'post', `/posts/99999999/comments`, { content: 'nowhere' });
      return call(app, who, 'post', `/posts/${post.id}/comments`, { content: `burst ${i}` });
    });
    const responses = await Promise.all(requests);

    expect(statusCounts(responses)).toEqual({ 201: 196, 400: 3, 404: 1 });
    for (const i of invalid) {
      expect(responses[i].headers['content-type']).toMatch(/application\/problem\+json/);
      expect((responses[i].body.errors as { field: string }[]).map((e) => e.field)).toEqual(['content']);
    }
    expect(responses[missing].body.code).toBe('post_not_found');
    // each answer is its own row, by its own author
    const created = responses.filter((r) => r.status === 201).map((r) => r.body as CommentItem);
    responses.forEach((r, i) => {
      if (r.status !== 201) return;
      const c = r.body as CommentItem;
      expect({ content: c.content, postId: c.postId, author: c.author.id, files: c.isFileAttached }).toEqual({
        content: `burst ${i}`,
        postId: post.id,
        author: members[i % members.length].id,
        files: false,
      });
    });
    expect(new Set(created.map((c) => c.id)).size).toBe(196);
    const rows = await t.ctx.prisma.comment.findMany({ where: { postId: post.id }, select: { id: true, content: true, authorId: true } });
    expect(rows.map((r) => r.id).sort((a, b) => a - b)).toEqual(created.map((c) => c.id).sort((a, b) => a - b));
    const c = await expectCountersExact(t, app, admin, post);
    expect(c.numberOfComment).toBe(196);
    // a created comment reads back as it was answered
    const one = await call(app, members[0], 'get', `/comments/${created[0].id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(created[0]);
    await expectNotified(created.map((x) => x.id));
  }, 120_000);

  (testProvider === 'sqlite' ? it : it.skip)(
    'a row the database refuses in the middle of a batch fails alone (404) and the others of its batch are written',
    async () => {
      const post = await createPost(app, members[0], board.id, { name: 'busy' });
      const doomed = await createPost(app, members[1], board.id, { name: 'deleted while its comment waits' });
      // the post is deleted in the very statement that inserts its comment: a foreign-key failure in the batch's
      // transaction, as when a post goes between a request's checks and its batch. The failed statement rolls back
      // the trigger's delete too, so the post stays (and the next try fails again).
      await t.ctx.prisma.$executeRawUnsafe(`CREATE TRIGGER doomed_comment BEFORE INSERT ON comments WHEN NEW.content = 'doomed' BEGIN DELETE FROM posts WHERE id = NEW.postId; END`);
      try {
        const responses = await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            i === 30
              ? call(app, members[1], 'post', `/posts/${doomed.id}/comments`, { content: 'doomed' })
              : call(app, members[i % members.length], 'post', `/posts/${post.id}/comments`, { content: `kept ${i}` }),
          ),
        );
        expect(statusCounts(responses)).toEqual({ 201: 59, 404: 1 });
        expect(responses[30].body.code).toBe('post_not_found');
      } finally {
        await t.ctx.prisma.$executeRawUnsafe('DROP TRIGGER doomed_comment');
      }
      expect(await t.ctx.prisma.comment.count({ where: { postId: doomed.id } })).toBe(0);
      expect((await expectCountersExact(t, app, admin, doomed)).numberOfComment).toBe(0);
      expect((await expectCountersExact(t, app, admin, post)).numberOfComment).toBe(59);
      await expectNotified((await t.ctx.prisma.comment.findMany({ where: { postId: post.id }, select: { id: true } })).map((r) => r.id));
    },
    120_000,
  );
});
