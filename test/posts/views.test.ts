// View counting: once per viewer per window, buffered in Redis, written to the database in batches.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import type { TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { actor, call, createBoard, startSuite, type Actor } from '../boards/setup.js';
import { createPost } from './helpers.js';

let t: TestContext;
let app: Express;
let admin: Actor;
let members: Actor[];
let boardId: number;

const view = (who: Actor | null, postId: number) => call(app, who, 'get', `/boards/${boardId}/posts/${postId}`);
const stored = async (postId: number) => (await t.ctx.prisma.post.findUniqueOrThrow({ where: { id: postId }, select: { numberOfView: true } })).numberOfView;

beforeAll(async () => {
  // the timer is not started by buildApp: flushes happen when the test calls them
  ({ t, app } = await startSuite({ VIEW_DEDUP_WINDOW_SECONDS: '2', ANONYMOUS_READ: 'true' }));
  admin = await actor(t, app, 'admin');
  members = [];
  for (let i = 0; i < 4; i++) members.push(await actor(t, app));
  boardId = (await createBoard(app, admin)).id;
});
afterAll(() => t.cleanup());

describe(`post views (${testProvider})`, () => {
  it('counts a viewer once per window, shows buffered views, and writes nothing until a flush', async () => {
    const post = await createPost(app, admin, boardId);
    expect((await view(members[0], post.id)).body.numberOfView).toBe(1);
    expect((await view(members[0], post.id)).body.numberOfView).toBe(1); // same viewer, same window
    expect((await view(members[1], post.id)).body.numberOfView).toBe(2);
    expect((await request(app).get(`/api/v1/boards/${boardId}/posts/${post.id}`)).body.numberOfView).toBe(3); // anonymous, by address
    expect(await stored(post.id)).toBe(0);
    const list = await call(app, members[2], 'get', `/boards/${boardId}/posts`);
    expect((list.body.items as { id: number; numberOfView: number }[]).find((p) => p.id === post.id)!.numberOfView).toBe(3);

    expect(await t.ctx.services.views.flush()).toBeGreaterThanOrEqual(3);
    expect(await stored(post.id)).toBe(3);
    expect(await t.ctx.redis.hget('views:pending', String(post.id))).toBeNull();
    // after the flush the count comes from the database, and the same viewers still count once
    expect((await view(members[0], post.id)).body.numberOfView).toBe(3);
  });

  it('counts the same viewer again after the window', async () => {
    const post = await createPost(app, admin, boardId);
    await view(members[0], post.id);
    await new Promise((r) => setTimeout(r, 2_200));
    expect((await view(members[0], post.id)).body.numberOfView).toBe(2);
  });

  it('writes a hot post once per flush, whatever the number of views', async () => {
    const post = await createPost(app, admin, boardId);
    const viewers = [...members, admin];
    await Promise.all(viewers.map((v) => view(v, post.id)));
    // 30 anonymous readers from distinct addresses
    const anon = Array.from({ length: 30 }, (_, i) => t.ctx.services.views.record(post.id, `ip:10.0.0.${i}`));
    await Promise.all(anon);
    expect(await stored(post.id)).toBe(0);
    await t.ctx.services.views.flush();
    expect(await stored(post.id)).toBe(viewers.length + 30);
  });

  it('writes a batch left behind by a process that died mid-flush, but not a batch another replica is writing', async () => {
    const post = await createPost(app, admin, boardId);
    const old = `views:flushing:${Date.now() - 120_000}:dead-process`;
    const fresh = `views:flushing:${Date.now()}:other-replica`;
    await t.ctx.redis.hset(old, String(post.id), '7');
    await t.ctx.redis.hset(fresh, String(post.id), '5');
    await t.ctx.services.views.flush();
    expect(await stored(post.id)).toBe(7);
    expect(await t.ctx.redis.exists(old)).toBe(0);
    expect(await t.ctx.redis.exists(fresh)).toBe(1);
    await t.ctx.redis.del(fresh);
  });

  it('stop() writes what is buffered', async () => {
    const post = await createPost(app, admin, boardId);
    await view(members[3], post.id);
    await t.ctx.services.views.stop();
    expect(await stored(post.id)).toBe(1);
  });
});
