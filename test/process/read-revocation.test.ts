// The read path's caches (verified tokens in each process, the board policy's cache in Redis) never outlive a
// revocation: with two real api processes on one database and one Redis, a grant taken back or a token revoked
// through one process is denied on the very next request to the other, whose caches were warm.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { actor, call, createBoard, startSuite, type Actor, type Board, type Suite } from '../boards/setup.js';
import { API, login } from '../helpers/auth.js';
import { startApiProcess, type ApiProcess } from '../helpers/api-process.js';
import { processTimeoutMs } from '../helpers/process.js';

interface Answer {
  status: number;
  body: { code?: string; items?: unknown[]; id?: number };
}

async function get(api: ApiProcess, token: string, path: string): Promise<Answer> {
  const res = await fetch(`${api.url}${API}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function send(api: ApiProcess, token: string, method: 'PUT' | 'POST', path: string, body?: object): Promise<number> {
  const res = await fetch(`${api.url}${API}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('revocation with the read caches in place, across two api processes', () => {
  let s: Suite;
  let admin: Actor;
  let member: Actor;
  let board: Board;
  let postId: number;
  let one: ApiProcess;
  let two: ApiProcess;

  beforeAll(async () => {
    s = await startSuite();
    admin = await actor(s.t, s.app, 'admin');
    member = await actor(s.t, s.app);
    board = await createBoard(s.app, admin, { isVisible: false, userIds: [member.id] });
    const post = await call(s.app, admin, 'post', `/boards/${board.id}/posts`, { name: 'hidden board post', content: 'for grant holders' });
    expect(post.status).toBe(201);
    postId = post.body.id as number;
    [one, two] = await Promise.all([startApiProcess(s.t.env), startApiProcess(s.t.env)]);
  }, 4 * processTimeoutMs);

  afterAll(async () => {
    for (const api of [one, two]) {
      if (!api) continue;
      api.child.kill('SIGTERM');
      await api.exited;
    }
    await s.t.cleanup();
  }, 2 * processTimeoutMs);

  /** The list and the detail of the hidden board's post, as `token`, on `api`. */
  const read = async (api: ApiProcess, token: string) => [await get(api, token, `/boards/${board.id}/posts?limit=20`), await get(api, token, `/boards/${board.id}/posts/${postId}`)];

  it(
    'a grant taken back through one process is denied on the next read on the other (404, as if absent)',
    async () => {
      // warm: the token verified and the board's state and grants cached, on both processes, several times
      for (let i = 0; i < 3; i++) {
        for (const api of [one, two]) {
          const [list, detail] = await read(api, member.token);
          expect(list.status).toBe(200);
          expect(list.body.items).toHaveLength(1);
          expect(detail.status).toBe(200);
          expect(detail.body.id).toBe(postId);
        }
      }
      expect(await send(one, admin.token, 'PUT', `/boards/${board.id}/grants`, { userIds: [] })).toBe(200);
      const [list, detail] = await read(two, member.token);
      expect(list.status).toBe(404);
      expect(list.body.code).toBe('board_not_found');
      expect(detail.status).toBe(404);
      expect(detail.body.code).toBe('post_not_found');
      // and back: granted again through the other process, readable again on the first at once
      expect(await send(two, admin.token, 'PUT', `/boards/${board.id}/grants`, { userIds: [member.id] })).toBe(200);
      const [again] = await read(one, member.token);
      expect(again.status).toBe(200);
    },
    2 * processTimeoutMs,
  );

  it(
    'a token logged out through one process is refused on its next request to the other (401)',
    async () => {
      const { access } = await login(s.app, member);
      for (const api of [one, two]) expect((await read(api, access)).map((a) => a.status)).toEqual([200, 200]);
      expect(await send(one, access, 'POST', '/auth/logout')).toBe(204);
      for (const answer of await read(two, access)) {
        expect(answer.status).toBe(401);
        expect(answer.body.code).toBe('invalid_token');
      }
    },
    2 * processTimeoutMs,
  );

  it(
    'logout-all through one process refuses every earlier token of the user on the other (401)',
    async () => {
      const first = (await login(s.app, member)).access;
      const second = (await login(s.app, member)).access;
      for (const token of [first, second]) for (const api of [one, two]) expect((await read(api, token)).map((a) => a.status)).toEqual([200, 200]);
      expect(await send(two, second, 'POST', '/auth/logout-all')).toBe(204);
      for (const token of [first, second]) {
        const [list] = await read(one, token);
        expect(list.status).toBe(401);
        expect(list.body.code).toBe('invalid_token');
      }
    },
    2 * processTimeoutMs,
  );
});
