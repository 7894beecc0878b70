// The board policy's Redis cache: the common read is answered from Redis, and every change through the
// API drops the cached state so the very next request sees it — including a read that was in flight.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import { expectProblem } from '../helpers/auth.js';
import { redisUrl, type TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { actor, call, createBoard, startSuite, type Actor } from './setup.js';

let t: TestContext;
let app: Express;
let admin: Actor;
let member: Actor;
let other: Actor;
let raw: Redis;

const stateKey = (id: number) => `board:access:${id}`;
const grantsKey = (id: number) => `board:grants:${id}`;
const read = (who: Actor, id: number) => call(app, who, 'get', `/boards/${id}`);

beforeAll(async () => {
  ({ t, app } = await startSuite());
  admin = await actor(t, app, 'admin');
  member = await actor(t, app);
  other = await actor(t, app);
  raw = new Redis(redisUrl);
});
afterAll(async () => {
  raw.disconnect();
  await t.cleanup();
});

describe(`board access cache (${testProvider})`, () => {
  it('caches the board state under REDIS_PREFIX + board:access:<id> after the first read', async () => {
    const board = await createBoard(app, admin);
    expect(await t.ctx.redis.get(stateKey(board.id))).toBeNull();
    expect((await read(member, board.id)).status).toBe(200);
    expect(JSON.parse((await t.ctx.redis.get(stateKey(board.id)))!)).toEqual({ isVisible: true, isAvailable: true });
    // the connection's prefix is the suite's REDIS_PREFIX
    expect(await raw.exists(`${t.env.REDIS_PREFIX}${stateKey(board.id)}`)).toBe(1);
    expect(await raw.ttl(`${t.env.REDIS_PREFIX}${stateKey(board.id)}`)).toBeGreaterThan(0);
  });

  it('answers the access check from Redis: a change made behind the API is not seen until the key goes', async () => {
    const board = await createBoard(app, admin);
    expect((await read(member, board.id)).body.access).toBe('public');
    // disabled directly in the database: the cached state still says available, so the check did not read the DB
    await t.ctx.prisma.board.update({ where: { id: board.id }, data: { isAvailable: false } });
    expect((await read(member, board.id)).status).toBe(200);
    await t.ctx.redis.del(stateKey(board.id));
    expectProblem(await read(member, board.id), 404, 'board_not_found');
    expect(JSON.parse((await t.ctx.redis.get(stateKey(board.id)))!)).toEqual({ isVisible: true, isAvailable: false });
  });

  it('caches a missing board as "none"', async () => {
    expectProblem(await read(member, 987654), 404, 'board_not_found');
    expect(await t.ctx.redis.get(stateKey(987654))).toBe('none');
  });

  it('caches the grant holders of a hidden board once a member asks', async () => {
    const board = await createBoard(app, admin, { isVisible: false, userIds: [member.id] });
    expect((await read(member, board.id)).body.access).toBe('granted');
    expect(JSON.parse((await t.ctx.redis.get(stateKey(board.id)))!)).toEqual({ isVisible: false, isAvailable: true });
    const members = await t.ctx.redis.smembers(grantsKey(board.id));
    expect(members).toContain(String(member.id));
    expect(members).not.toContain(String(other.id));
  });

  it('removing a grant with PUT grants: the very next request of the member is 404, and giving it back is seen at once', async () => {
    const board = await createBoard(app, admin, { isVisible: false, userIds: [member.id, other.id] });
    expect((await read(member, board.id)).body.access).toBe('granted');
    expect((await read(member, board.id)).body.access).toBe('granted'); // now from the cache
    expect(await t.ctx.redis.exists(stateKey(board.id), grantsKey(board.id))).toBe(2);

    expect((await call(app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [other.id] })).status).toBe(200);
    expect(await t.ctx.redis.exists(stateKey(board.id), grantsKey(board.id))).toBe(0);
    expectProblem(await read(member, board.id), 404, 'board_not_found');
    expect((await read(other, board.id)).body.access).toBe('granted');

    expect((await call(app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [member.id, other.id] })).status).toBe(200);
    expect(await t.ctx.redis.exists(stateKey(board.id), grantsKey(board.id))).toBe(0);
    expect((await read(member, board.id)).body.access).toBe('granted');
  });

  it('disabling: the very next member request is 404; re-enabling: the next one is 200', async () => {
    const board = await createBoard(app, admin);
    expect((await read(member, board.id)).status).toBe(200);
    expect((await read(member, board.id)).status).toBe(200);
    expect(await t.ctx.redis.get(stateKey(board.id))).not.toBeNull();

    expect((await call(app, admin, 'patch', `/boards/${board.id}`, { isAvailable: false })).status).toBe(200);
    expect(await t.ctx.redis.get(stateKey(board.id))).toBeNull();
    expectProblem(await read(member, board.id), 404, 'board_not_found');
    expectProblem(await read(member, board.id), 404, 'board_not_found');

    expect((await call(app, admin, 'patch', `/boards/${board.id}`, { isAvailable: true })).status).toBe(200);
    expect(await t.ctx.redis.get(stateKey(board.id))).toBeNull();
    const back = await read(member, board.id);
    expect(back.status).toBe(200);
    expect(back.body.access).toBe('public');
  });

  it('hiding and showing are seen by the very next request', async () => {
    const board = await createBoard(app, admin);
    expect((await read(other, board.id)).body.access).toBe('public');
    expect((await call(app, admin, 'patch', `/boards/${board.id}`, { isVisible: false, userIds: [member.id] })).status).toBe(200);
    expect(await t.ctx.redis.exists(stateKey(board.id), grantsKey(board.id))).toBe(0);
    expectProblem(await read(other, board.id), 404, 'board_not_found');
    expect((await read(member, board.id)).body.access).toBe('granted');
    expect((await call(app, admin, 'patch', `/boards/${board.id}`, { isVisible: true })).status).toBe(200);
    expect(await t.ctx.redis.exists(stateKey(board.id), grantsKey(board.id))).toBe(0);
    expect((await read(other, board.id)).body.access).toBe('public');
    expect((await read(member, board.id)).body.access).toBe('public');
  });

  it('deleting: a board cached as readable is 404 on the very next request', async () => {
    const board = await createBoard(app, admin);
    expect((await read(member, board.id)).status).toBe(200);
    expect((await call(app, admin, 'delete', `/boards/${board.id}`)).status).toBe(204);
    expect(await t.ctx.redis.get(stateKey(board.id))).toBeNull();
    expectProblem(await read(member, board.id), 404, 'board_not_found');
  });

  /**
   * Holds the member's cache write for `key` (made from what its read saw before the change) until the
   * admin's change is done. Loaders write the cache through EVAL (a version-checked write).
   */
  function holdCacheWrite(key: string) {
    const redis = t.ctx.redis as unknown as { eval: (...args: unknown[]) => Promise<unknown> };
    const originalEval = redis.eval;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atWrite = new Promise<void>((r) => (reached = r));
    redis.eval = async (...args: unknown[]) => {
      if (args.includes(key)) {
        redis.eval = originalEval;
        reached();
        await gate;
      }
      return originalEval.apply(t.ctx.redis, args);
    };
    return {
      atWrite,
      release: () => {
        redis.eval = originalEval;
        release();
      },
    };
  }

  it('a read in flight while the board is disabled does not put the old state back in the cache', async () => {
    const board = await createBoard(app, admin);
    const hold = holdCacheWrite(stateKey(board.id));
    try {
      const inFlight = read(member, board.id).then((r) => r);
      await hold.atWrite; // the read has loaded the board from the database and is about to cache it
      expect((await call(app, admin, 'patch', `/boards/${board.id}`, { isAvailable: false })).status).toBe(200);
      hold.release();
      expect((await inFlight).status).toBe(200); // it was checked before the change
    } finally {
      hold.release();
    }
    // the change was answered before this request was sent: it must see the board disabled
    expectProblem(await read(member, board.id), 404, 'board_not_found');
  });

  it('a grant check in flight while the grant is removed does not put the old grant back in the cache', async () => {
    const board = await createBoard(app, admin, { isVisible: false, userIds: [member.id] });
    // the state is cached first, so the in-flight read only loads the grants
    expect((await read(admin, board.id)).status).toBe(200);
    const hold = holdCacheWrite(grantsKey(board.id));
    try {
      const inFlight = read(member, board.id).then((r) => r);
      await hold.atWrite;
      expect((await call(app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [] })).status).toBe(200);
      hold.release();
      expect((await inFlight).status).toBe(200); // it was checked before the change
    } finally {
      hold.release();
    }
    expectProblem(await read(member, board.id), 404, 'board_not_found');
  });
});
