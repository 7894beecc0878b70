// Read state over two chat replicas (two startChat servers on their own contexts, one database, one Redis prefix)
// and the real REST API: `read` frames reach the other members wherever they are connected, never the reading
// socket, coalesced per member and session; markers only move forward; unread counts follow sends, reads, deletes
// and moderators' deletes; sessions above CHAT_RECEIPTS_MAX_MEMBERS get no `read` frames.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { startChat, type RunningChat } from '../../src/chat/server.js';
import { testProvider } from '../helpers/db.js';
import { actor, call, Client, createSession, eventually, startChatSuite, ticketFor, type Actor, type ChatSuite, type Frame } from './helpers.js';

const RECEIPTS_MAX = 3;

let a: ChatSuite; // replica A, with the api app
let ctxB: Context;
let chatB: RunningChat;
let urlB: string;
let alice: Actor;
let bob: Actor;
let carol: Actor;
let dave: Actor;
let admin: Actor;
const clients: Client[] = [];

const onA = async (who: Actor) => {
  const c = await Client.open(a.url, await ticketFor(a.app, who));
  clients.push(c);
  return c;
};
const onB = async (who: Actor) => {
  const c = await Client.open(urlB, await ticketFor(a.app, who));
  clients.push(c);
  return c;
};

beforeAll(async () => {
  a = await startChatSuite({ CHAT_RECEIPTS_MAX_MEMBERS: String(RECEIPTS_MAX) });
  ctxB = await createContext(loadConfig(a.t.env), { service: 'test-replica-b' });
  chatB = await startChat(ctxB, 0, '127.0.0.1');
  urlB = `ws://127.0.0.1:${chatB.port}/ws`;
  alice = await actor(a.t, a.app);
  bob = await actor(a.t, a.app);
  carol = await actor(a.t, a.app);
  dave = await actor(a.t, a.app);
  admin = await actor(a.t, a.app, 'admin');
});

afterAll(async () => {
  for (const c of clients) c.close();
  await chatB?.stop();
  await ctxB?.close();
  await a?.chat.stop();
  await a?.t.cleanup();
});

/** Sends messages through a socket and resolves with their ids, in order. */
async function sendAll(c: Client, sessionId: number, contents: string[]): Promise<number[]> {
  const tag = Math.random().toString(36).slice(2, 8);
  contents.forEach((content, i) => c.send({ type: 'send', sessionId, clientMsgId: `${tag}-${i}`, content }));
  const ids: number[] = [];
  for (let i = 0; i < contents.length; i++) ids.push((await c.next((f) => f.type === 'ack' && f.clientMsgId === `${tag}-${i}`, `ack ${i}`)).id as number);
  return ids;
}

const marker = async (sessionId: number, userId: number) =>
  (await a.t.ctx.prisma.chatSessionMember.findUnique({ where: { sessionId_userId: { sessionId, userId } }, select: { lastReadMessageId: true } }))?.lastReadMessageId;

const readsBy = (c: Client, sessionId: number, userId: number) => c.of('read', (f) => f.sessionId === sessionId && f.userId === userId);

async function summary(who: Actor, sessionId: number) {
  const res = await call(a.app, who, 'get', `/chat-sessions/${sessionId}`);
  expect(res.status).toBe(200);
  return res.body as { lastReadMessageId: number | null; unreadCount: number | null; lastMessage: { id: number; authorId: number; authorName: string; preview: string; createdAt: string } | null };
}

describe(`read state over two replicas (${testProvider})`, () => {
  it('sends `read` to the other members on both replicas, not to the reading socket, coalesced, moving only forward', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id, carol.id] });
    const aliceA = await onA(alice);
    const bobB = await onB(bob);
    const carolA = await onA(carol);
    for (const c of [aliceA, bobB, carolA]) expect(await c.join(room.id)).toMatchObject({ type: 'joined' });
    const ids = await sendAll(bobB, room.id, ['one', 'two', 'three', 'four', 'five']);
    // five reads in a row: the first goes out at once, the newest at the end of the second, nothing in between
    for (const id of ids) aliceA.send({ type: 'read', sessionId: room.id, messageId: id });
    for (const c of [bobB, carolA]) await c.next((f) => f.type === 'read' && f.userId === alice.id && f.messageId === ids[4], 'the last read');
    expect(await marker(room.id, alice.id)).toBe(ids[4]);
    for (const c of [bobB, carolA]) {
      const seen = readsBy(c, room.id, alice.id);
      expect(seen.length).toBeLessThanOrEqual(2);
      expect(seen[0]).toEqual({ v: 1, type: 'read', sessionId: room.id, userId: alice.id, messageId: seen[0].messageId });
      // in order, never backwards
      expect(seen.map((f) => f.messageId as number)).toEqual([...seen.map((f) => f.messageId as number)].sort((x, y) => x - y));
    }
    // an older message changes nothing and sends nothing: a message sent behind it arrives, the read never does
    aliceA.send({ type: 'read', sessionId: room.id, messageId: ids[1] });
    const [after] = await sendAll(aliceA, room.id, ['behind the old read']);
    for (const c of [bobB, carolA]) await c.next((f) => f.type === 'message' && f.id === after, 'the message behind');
    expect(await marker(room.id, alice.id)).toBe(ids[4]);
    for (const c of [bobB, carolA]) expect(readsBy(c, room.id, alice.id).map((f) => f.messageId)).not.toContain(ids[1]);
    // the reader's own socket got none of them
    expect(aliceA.of('read')).toEqual([]);
  });

  it('answers a read of an unknown message, a non-member or a socket not joined with an error frame, and stores nothing', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id] });
    const other = await createSession(a.app, carol);
    const [otherMsg] = await sendAll(await joined(onB, carol, other.id), other.id, ['elsewhere']);
    const aliceB = await joined(onB, alice, room.id);
    aliceB.send({ type: 'read', sessionId: room.id, messageId: otherMsg, ref: 'r1' });
    expect(await aliceB.next((f) => f.type === 'error' && f.ref === 'r1', 'error')).toMatchObject({ code: 'chat_message_not_found', sessionId: room.id });
    aliceB.send({ type: 'read', sessionId: other.id, messageId: otherMsg, ref: 'r2' });
    expect(await aliceB.next((f) => f.type === 'error' && f.ref === 'r2', 'error')).toMatchObject({ code: 'not_joined', sessionId: other.id });
    // an admin may join any session, but only members keep a marker
    const adminA = await joined(onA, admin, other.id);
    adminA.send({ type: 'read', sessionId: other.id, messageId: otherMsg, ref: 'r3' });
    expect(await adminA.next((f) => f.type === 'error' && f.ref === 'r3', 'error')).toMatchObject({ code: 'chat_member_not_found', sessionId: other.id });
    aliceB.send({ type: 'read', sessionId: room.id, messageId: 'x', ref: 'r4' });
    expect(await aliceB.next((f) => f.type === 'error' && f.ref === 'r4', 'error')).toMatchObject({ code: 'invalid_frame' });
    expect(await marker(room.id, alice.id)).toBeNull();
    expect(await marker(other.id, carol.id)).toBeNull();
  });

  it('counts unread messages by others after the marker, through sends, reads, deletes and moderators’ deletes', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id] });
    let s = await summary(alice, room.id);
    expect(s).toMatchObject({ lastReadMessageId: null, unreadCount: 0, lastMessage: null });
    const bobB = await joined(onB, bob, room.id);
    const aliceA = await joined(onA, alice, room.id);
    const b = await sendAll(bobB, room.id, ['b1', 'b2', 'b3', 'b4']);
    const long = 'é'.repeat(150);
    const [mine] = await sendAll(aliceA, room.id, [long]);
    s = await summary(alice, room.id);
    expect(s.unreadCount).toBe(4); // her own message does not count
    expect(s.lastMessage).toEqual({ id: mine, authorId: alice.id, authorName: alice.name, preview: 'é'.repeat(100), createdAt: expect.any(String) });
    expect((await summary(bob, room.id)).unreadCount).toBe(1);
    // reading through the socket
    aliceA.send({ type: 'read', sessionId: room.id, messageId: b[1] });
    await eventually(async () => (await marker(room.id, alice.id)) === b[1], 'the marker moved');
    s = await summary(alice, room.id);
    expect(s).toMatchObject({ lastReadMessageId: b[1], unreadCount: 2 });
    // the author deletes one, a moderator another: neither counts any more
    bobB.send({ type: 'delete', sessionId: room.id, id: b[2] });
    await aliceA.next((f) => f.type === 'deleted' && f.id === b[2], 'deleted');
    expect((await call(a.app, admin, 'delete', `/chat-sessions/${room.id}/messages/${b[3]}`)).status).toBe(204);
    expect((await summary(alice, room.id)).unreadCount).toBe(0);
    // the last message is the last visible one
    expect((await call(a.app, alice, 'delete', `/chat-sessions/${room.id}/messages/${mine}`)).status).toBe(204);
    s = await summary(alice, room.id);
    expect(s.lastMessage).toMatchObject({ id: b[1], authorId: bob.id, preview: 'b2' });
    // the list shows the same, for every session of the page
    const list = await call(a.app, alice, 'get', '/chat-sessions?limit=100');
    expect(list.status).toBe(200);
    expect((list.body.items as { id: number }[]).find((x) => x.id === room.id)).toMatchObject({ lastReadMessageId: b[1], unreadCount: 0, lastMessage: { id: b[1] } });
    // an admin who is not a member sees the session with no read state of their own
    expect(await summary(admin, room.id)).toMatchObject({ lastReadMessageId: null, unreadCount: null, lastMessage: { id: b[1] } });
  });

  it('marks read over REST, like the frame: monotonic, told to joined sockets, shown in the members list', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id] });
    const bobB = await joined(onB, bob, room.id);
    const ids = await sendAll(bobB, room.id, ['r1', 'r2', 'r3']);
    let res = await call(a.app, alice, 'post', `/chat-sessions/${room.id}/read`, { messageId: ids[2] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sessionId: room.id, lastReadMessageId: ids[2] });
    await bobB.next((f) => f.type === 'read' && f.userId === alice.id && f.messageId === ids[2], 'read over REST');
    res = await call(a.app, alice, 'post', `/chat-sessions/${room.id}/read`, { messageId: ids[0] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sessionId: room.id, lastReadMessageId: ids[2] });
    const members = await call(a.app, bob, 'get', `/chat-sessions/${room.id}/members`);
    expect(members.status).toBe(200);
    expect(members.body.items).toEqual([expect.objectContaining({ userId: alice.id, lastReadMessageId: ids[2] }), expect.objectContaining({ userId: bob.id, lastReadMessageId: null })]);
  });

  it('refuses bad REST reads with the exact problem, and writes nothing', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id] });
    const other = await createSession(a.app, carol);
    const bobB = await joined(onB, bob, room.id);
    const [id] = await sendAll(bobB, room.id, ['x']);
    const cases: [Actor, number, unknown, number, string, string?][] = [
      [alice, room.id, {}, 400, 'validation_failed', 'messageId'],
      [alice, room.id, { messageId: 'one' }, 400, 'validation_failed', 'messageId'],
      [alice, room.id, { messageId: id, extra: 1 }, 400, 'validation_failed'],
      [alice, room.id, { messageId: 2147483647 }, 404, 'chat_message_not_found'],
      [carol, room.id, { messageId: id }, 404, 'chat_session_not_found'],
      [admin, room.id, { messageId: id }, 404, 'chat_member_not_found'],
      [carol, other.id, { messageId: id }, 404, 'chat_message_not_found'],
    ];
    for (const [who, sessionId, body, status, code, field] of cases) {
      const res = await call(a.app, who, 'post', `/chat-sessions/${sessionId}/read`, body as Record<string, unknown>);
      expect([res.status, res.body.code]).toEqual([status, code]);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      if (field) expect(JSON.stringify(res.body)).toContain(field);
    }
    const rows = await a.t.ctx.prisma.chatSessionMember.findMany({ where: { sessionId: { in: [room.id, other.id] } }, select: { lastReadMessageId: true } });
    expect(rows.every((r) => r.lastReadMessageId === null)).toBe(true);
  });

  it(`sends no read frames in a session of more than CHAT_RECEIPTS_MAX_MEMBERS (${RECEIPTS_MAX}) members, and still counts`, async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id, carol.id, dave.id] });
    const aliceA = await joined(onA, alice, room.id);
    const bobB = await joined(onB, bob, room.id);
    const carolA = await joined(onA, carol, room.id);
    const ids = await sendAll(bobB, room.id, ['big 1', 'big 2']);
    aliceA.send({ type: 'read', sessionId: room.id, messageId: ids[1] });
    expect((await call(a.app, carol, 'post', `/chat-sessions/${room.id}/read`, { messageId: ids[0] })).status).toBe(200);
    await eventually(async () => (await marker(room.id, alice.id)) === ids[1], 'the marker moved');
    // anything published after the reads arrives after their frames would have: a message sent behind them
    const [behind] = await sendAll(aliceA, room.id, ['behind']);
    for (const c of [bobB, carolA]) await c.next((f) => f.type === 'message' && f.id === behind, 'behind');
    for (const c of [aliceA, bobB, carolA]) expect(c.of('read')).toEqual([]);
    expect((await summary(dave, room.id)).unreadCount).toBe(3);
    expect((await summary(alice, room.id)).unreadCount).toBe(0);
  });
});

async function joined(open: (who: Actor) => Promise<Client>, who: Actor, sessionId: number): Promise<Client> {
  const c = await open(who);
  const f: Frame = await c.join(sessionId);
  expect(f).toMatchObject({ type: 'joined', sessionId });
  return c;
}
