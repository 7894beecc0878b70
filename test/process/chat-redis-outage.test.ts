// Redis killed (SIGKILL) under two chat replicas and started again. While it is down: each chat's /readyz says
// not ready (redis), messages are still stored and acknowledged, access checks on open sockets and over REST fail
// with `dependency_unavailable` (never `internal_error`, never a hang). Once it is back: /readyz is ready again,
// every socket with joined sessions gets a `resync` frame naming them, history holds what was sent meanwhile, and
// messages cross between the replicas again. The test runs its own redis-server on a free port.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startChat, type RunningChat } from '../../src/chat/server.js';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { API } from '../helpers/auth.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';
import { createBoard } from '../boards/setup.js';
import { actor, call, Client, createSession, eventually, startChatSuite, ticketFor, type Actor, type ChatSuite, type Frame } from '../chat/helpers.js';

let redis: OwnRedis;
let a: ChatSuite; // replica A, with the api app
let ctxB: Context;
let chatB: RunningChat;
const clients: Client[] = [];

beforeAll(async () => {
  redis = await startOwnRedis();
  a = await startChatSuite({ REDIS_URL: redis.url, ANONYMOUS_READ: 'true' });
  ctxB = await createContext(loadConfig(a.t.env), { service: 'test-replica-b' });
  chatB = await startChat(ctxB, 0, '127.0.0.1');
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await chatB?.stop();
  await ctxB?.close();
  await a?.chat.stop();
  await a?.t.cleanup();
  await redis?.stop();
}, 120_000);

const readyz = async (chat: RunningChat) => {
  const res = await fetch(`http://127.0.0.1:${chat.port}/readyz`);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
};

const open = async (chat: RunningChat, who: Actor) => {
  const c = await Client.open(`ws://127.0.0.1:${chat.port}/ws`, await ticketFor(a.app, who));
  clients.push(c);
  return c;
};

const message = (id: string) => (f: Frame) => f.type === 'message' && f.clientMsgId === id;

describe('chat with Redis killed and restarted', () => {
  it('says not ready and answers dependency_unavailable while Redis is down, then tells sockets to resync', async () => {
    const alice = await actor(a.t, a.app);
    const bob = await actor(a.t, a.app);
    const admin = await actor(a.t, a.app, 'admin');
    const board = await createBoard(a.app, admin);
    const room = await createSession(a.app, alice, { userIds: [bob.id] });
    const other = await createSession(a.app, alice, { userIds: [bob.id] });
    const aliceA = await open(a.chat, alice);
    const bobB = await open(chatB, bob);
    for (const c of [aliceA, bobB]) expect(await c.join(room.id)).toMatchObject({ type: 'joined' });
    aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: 'before', content: 'before the crash' });
    await bobB.next(message('before'), 'before on B');
    for (const chat of [a.chat, chatB]) expect(await readyz(chat)).toEqual({ status: 200, type: 'application/json', body: { status: 'ok', checks: { database: 'ok', redis: 'ok' } } });

    await redis.kill();

    // the chats say so
    for (const chat of [a.chat, chatB]) {
      await eventually(async () => (await readyz(chat)).status === 503, 'chat /readyz 503', 60_000);
      const r = await readyz(chat);
      expect(r.type).toBe('application/problem+json');
      expect(r.body).toMatchObject({ status: 503, code: 'not_ready', detail: 'Not ready: redis.', checks: { database: 'ok', redis: expect.stringMatching(/^error: /) } });
    }
    // a message is still stored and acknowledged (the other replica misses it: pub/sub is down)
    aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: 'during', content: 'while Redis is down' });
    const during = await aliceA.next((f) => f.type === 'ack' && f.clientMsgId === 'during', 'ack while Redis is down', 60_000);
    // access checks on an open socket: a clear error, not internal_error
    bobB.send({ type: 'join', sessionId: other.id, ref: 'j1' });
    expect(await bobB.next((f) => f.type === 'error' && f.ref === 'j1', 'join refused', 60_000)).toMatchObject({ code: 'dependency_unavailable', sessionId: other.id });
    // and over REST: the board policy (anonymous read) and a member's history
    const boardRes = await request(a.app).get(`${API}/boards/${board.id}`);
    expect(boardRes.status).toBe(503);
    expect(boardRes.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(boardRes.body).toMatchObject({ code: 'dependency_unavailable' });
    const historyRes = await call(a.app, bob, 'get', `/chat-sessions/${room.id}/messages`);
    expect(historyRes.status).toBe(503);
    expect(historyRes.body).toMatchObject({ code: 'dependency_unavailable' });

    await redis.start();

    // every socket with joined sessions is told to catch up, on both replicas
    const resyncB = await bobB.next((f) => f.type === 'resync', 'resync on B', 60_000);
    expect(resyncB).toEqual({ v: 1, type: 'resync', sessionIds: [room.id] });
    expect(await aliceA.next((f) => f.type === 'resync', 'resync on A', 60_000)).toEqual({ v: 1, type: 'resync', sessionIds: [room.id] });
    for (const chat of [a.chat, chatB]) await eventually(async () => (await readyz(chat)).status === 200, 'chat /readyz 200 again', 60_000);
    // what B missed is in the history
    bobB.send({ type: 'history', sessionId: room.id, limit: 10, ref: 'h1' });
    const history = await bobB.next((f) => f.type === 'history' && f.ref === 'h1', 'history');
    expect((history.messages as { id: number; clientMsgId: string }[]).map((m) => m.clientMsgId)).toEqual(['during', 'before']);
    expect((history.messages as { id: number }[])[0].id).toBe(during.id);
    // messages cross between the replicas again, and joins work
    await eventually(
      async () => {
        const id = `after-${Date.now()}`;
        aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: id, content: 'after' });
        return bobB.next(message(id), 'after on B', 2_000).then(
          () => true,
          () => false,
        );
      },
      'a message from A reaching B',
      60_000,
    );
    bobB.send({ type: 'join', sessionId: other.id, ref: 'j2' });
    expect(await bobB.next((f) => f.ref === 'j2', 'join again')).toMatchObject({ type: 'joined', sessionId: other.id });
    expect((await request(a.app).get(`${API}/boards/${board.id}`)).status).toBe(200);
  }, 300_000);
});
