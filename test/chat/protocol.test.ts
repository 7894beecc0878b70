// The chat protocol over real sockets (`ws` client) against a real chat server, api app, Redis and database:
// upgrade auth, joining, durable acks, idempotent resends, per-message write failures, history, edits and
// deletes seen by others, revocation, invalid frames and abuse, rate limits, metrics.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testProvider } from '../helpers/db.js';
import { actor, call, Client, connectAs, createSession, eventually, refusedUpgrade, startChatSuite, ticketFor, type Actor, type ChatSuite, type Frame } from './helpers.js';

let s: ChatSuite;
const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
let admin: Actor;
let alice: Actor;
let bob: Actor;
let carol: Actor;
const clients: Client[] = [];

const open = async (who: Actor) => {
  const c = await connectAs(s, who);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  // a 40 ms group-commit window: frames sent together land in one batch
  s = await startChatSuite({ CHAT_FLUSH_INTERVAL_MS: '40', CHAT_MAX_INVALID_FRAMES: '5', CHAT_MAX_MESSAGE_LENGTH: '100', METRICS_TOKEN: METRICS_TOKEN });
  admin = await actor(s.t, s.app, 'admin');
  alice = await actor(s.t, s.app);
  bob = await actor(s.t, s.app);
  carol = await actor(s.t, s.app);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await s?.chat.stop();
  await s?.t.cleanup();
});

describe(`upgrade authentication (${testProvider})`, () => {
  it('refuses an upgrade without a ticket: 401 problem+json, no socket', async () => {
    const r = await refusedUpgrade(s.url);
    expect(r.status).toBe(401);
    expect(r.contentType).toBe('application/problem+json');
    expect(r.body).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it.each([
    ['an unknown ticket', 'x'.repeat(43)],
    ['a malformed ticket', 'not a ticket!'],
  ])('refuses %s with 401 invalid_ticket', async (_label, ticket) => {
    const r = await refusedUpgrade(`${s.url}?ticket=${encodeURIComponent(ticket)}`);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ status: 401, code: 'invalid_ticket' });
  });

  it('accepts a ticket once: the second use is refused', async () => {
    const ticket = await ticketFor(s.app, alice);
    const c = await Client.open(s.url, ticket);
    clients.push(c);
    const r = await refusedUpgrade(`${s.url}?ticket=${ticket}`);
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('invalid_ticket');
  });

  it('refuses the ticket of a user banned after it was issued', async () => {
    const victim = await actor(s.t, s.app);
    const ticket = await ticketFor(s.app, victim);
    await s.t.ctx.prisma.user.update({ where: { id: victim.id }, data: { isBanned: true } });
    const r = await refusedUpgrade(`${s.url}?ticket=${ticket}`);
    expect(r.status).toBe(401);
  });
});

describe('joining', () => {
  it('lets a member join and answers joined with the session state', async () => {
    const room = await createSession(s.app, alice, { userIds: [bob.id] });
    const c = await open(bob);
    const joined = await c.join(room.id);
    expect(joined).toMatchObject({ v: 1, type: 'joined', sessionId: room.id, name: room.name, isClosed: false, creatorId: alice.id });
  });

  it('refuses a join without membership with chat_session_not_found, and the socket receives nothing of that session', async () => {
    const room = await createSession(s.app, alice);
    const outsider = await open(carol);
    const res = await outsider.join(room.id);
    expect(res).toMatchObject({ v: 1, type: 'error', code: 'chat_session_not_found', sessionId: room.id });
    const member = await open(alice);
    await member.join(room.id);
    member.send({ type: 'send', sessionId: room.id, clientMsgId: 'secret-1', content: 'members only' });
    await member.next((f) => f.type === 'message' && f.clientMsgId === 'secret-1', 'own message');
    outsider.send({ type: 'send', sessionId: room.id, clientMsgId: 'intruder', content: 'let me in' });
    const err = await outsider.next((f) => f.type === 'error' && f.clientMsgId === 'intruder', 'error for intruder');
    expect(err.code).toBe('not_joined');
    expect(outsider.of('message')).toEqual([]);
    expect(await s.t.ctx.prisma.chatMessage.count({ where: { sessionId: room.id, authorId: carol.id } })).toBe(0);
  });

  it('refuses a join of a session that does not exist', async () => {
    const c = await open(alice);
    expect(await c.join(999_999)).toMatchObject({ type: 'error', code: 'chat_session_not_found' });
  });

  it('lets an admin join any session, hidden ones too', async () => {
    const room = await createSession(s.app, alice);
    expect((await call(s.app, admin, 'patch', `/chat-sessions/${room.id}`, { isVisible: false })).status).toBe(200);
    const c = await open(admin);
    expect(await c.join(room.id)).toMatchObject({ type: 'joined', sessionId: room.id });
  });

  it('accepts a send pipelined right behind its join', async () => {
    const room = await createSession(s.app, alice);
    const c = await open(alice);
    c.send({ type: 'join', sessionId: room.id });
    c.send({ type: 'send', sessionId: room.id, clientMsgId: 'piped', content: 'right away' });
    expect(await c.next((f) => f.type === 'ack' && f.clientMsgId === 'piped', 'ack')).toMatchObject({ id: expect.any(Number) });
  });
});

describe('sending', () => {
  it('acks only after the row is committed, and delivers the message exactly once to every joined socket (the sender too)', async () => {
    const room = await createSession(s.app, alice, { userIds: [bob.id] });
    const a = await open(alice);
    const b1 = await open(bob);
    const b2 = await open(bob);
    for (const c of [a, b1, b2]) await c.join(room.id);
    a.send({ type: 'send', sessionId: room.id, clientMsgId: 'abc', content: 'hi' });
    const ack = await a.next((f) => f.type === 'ack' && f.clientMsgId === 'abc', 'ack');
    // the row exists the moment the ack arrives
    const row = await s.t.ctx.prisma.chatMessage.findUnique({ where: { id: ack.id as number } });
    expect(row).toMatchObject({ sessionId: room.id, authorId: alice.id, content: 'hi', clientMsgId: 'abc' });
    expect(ack).toEqual({ v: 1, type: 'ack', clientMsgId: 'abc', id: row!.id, createdAt: row!.createDate.toISOString() });
    const expected = { v: 1, type: 'message', sessionId: room.id, id: row!.id, authorId: alice.id, content: 'hi', clientMsgId: 'abc', createdAt: row!.createDate.toISOString() };
    for (const c of [a, b1, b2]) expect(await c.next((f) => f.type === 'message' && f.id === row!.id, 'message')).toEqual(expected);
    // a marker message afterwards proves nothing more of the first one is on its way
    a.send({ type: 'send', sessionId: room.id, clientMsgId: 'marker', content: 'marker' });
    for (const c of [a, b1, b2]) await c.next((f) => f.type === 'message' && f.clientMsgId === 'marker', 'marker');
    for (const c of [a, b1, b2]) expect(c.of('message', (f) => f.clientMsgId === 'abc')).toHaveLength(1);
    // the sender gets the ack of each message before its `message` frame (docs/chat-protocol.md)
    const order = a.frames.filter((f) => f.clientMsgId === 'abc' || f.clientMsgId === 'marker').map((f) => `${f.type}:${f.clientMsgId as string}`);
    expect(order).toEqual(['ack:abc', 'message:abc', 'ack:marker', 'message:marker']);
  });

  it('treats a resend with the same clientMsgId as the same message: the original id, one row, delivered again under that id', async () => {
    const room = await createSession(s.app, alice, { userIds: [bob.id] });
    const a = await open(alice);
    const b = await open(bob);
    await a.join(room.id);
    await b.join(room.id);
    a.send({ type: 'send', sessionId: room.id, clientMsgId: 'once', content: 'first' });
    const first = await a.next((f) => f.type === 'ack' && f.clientMsgId === 'once', 'first ack');
    // a reconnect and resend, and a duplicate within one batch
    a.close();
    const again = await open(alice);
    await again.join(room.id);
    again.send({ type: 'send', sessionId: room.id, clientMsgId: 'once', content: 'first' });
    again.send({ type: 'send', sessionId: room.id, clientMsgId: 'once', content: 'first' });
    await eventually(() => again.of('ack', (f) => f.clientMsgId === 'once').length === 2, 'two acks');
    for (const ack of again.of('ack', (f) => f.clientMsgId === 'once')) expect(ack).toMatchObject({ id: first.id, createdAt: first.createdAt });
    expect(await s.t.ctx.prisma.chatMessage.count({ where: { sessionId: room.id, clientMsgId: 'once' } })).toBe(1);
    again.send({ type: 'send', sessionId: room.id, clientMsgId: 'after', content: 'after' });
    await b.next((f) => f.type === 'message' && f.clientMsgId === 'after', 'after');
    // once per send, always the one message: a client keeps the first copy of an id
    expect(b.of('message', (f) => f.clientMsgId === 'once').map((f) => f.id)).toEqual([first.id, first.id, first.id]);
  });

  it('writes messages sent together in one group commit', async () => {
    const room = await createSession(s.app, alice);
    const a = await open(alice);
    await a.join(room.id);
    const before = await s.chat.metrics.flushBatchSize.get();
    const flushesBefore = before.values.find((v) => v.metricName === 'agora_chat_flush_batch_size_count')?.value ?? 0;
    for (let i = 0; i < 20; i++) a.send({ type: 'send', sessionId: room.id, clientMsgId: `g${i}`, content: `m${i}` });
    await eventually(() => a.of('ack', (f) => String(f.clientMsgId).startsWith('g')).length === 20, '20 acks');
    const after = await s.chat.metrics.flushBatchSize.get();
    const flushes = (after.values.find((v) => v.metricName === 'agora_chat_flush_batch_size_count')?.value ?? 0) - flushesBefore;
    expect(flushes).toBeGreaterThanOrEqual(1);
    expect(flushes).toBeLessThan(20);
    // ids follow the order of sending
    const ids = Array.from({ length: 20 }, (_, i) => a.of('ack', (f) => f.clientMsgId === `g${i}`)[0].id as number);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
  });

  it('fails only the message that cannot be stored: an error for its clientMsgId and no ack, while the rest of the batch is acked', async () => {
    const doomed = await createSession(s.app, alice);
    const fine = await createSession(s.app, alice);
    const a = await open(alice);
    await a.join(doomed.id);
    await a.join(fine.id);
    // the session disappears behind the server's back (no control event): its insert violates the foreign key
    await s.t.ctx.prisma.chatSession.delete({ where: { id: doomed.id } });
    a.send({ type: 'send', sessionId: doomed.id, clientMsgId: 'lost', content: 'into the void' });
    a.send({ type: 'send', sessionId: fine.id, clientMsgId: 'kept', content: 'still here' });
    const err = await a.next((f) => f.type === 'error' && f.clientMsgId === 'lost', 'error for lost');
    expect(err).toMatchObject({ v: 1, type: 'error', code: 'chat_session_not_found', clientMsgId: 'lost', message: expect.any(String) });
    const ack = await a.next((f) => f.type === 'ack' && f.clientMsgId === 'kept', 'ack for kept');
    expect(await s.t.ctx.prisma.chatMessage.findUnique({ where: { id: ack.id as number } })).toMatchObject({ content: 'still here' });
    expect(a.of('ack', (f) => f.clientMsgId === 'lost')).toEqual([]);
  });

  it('refuses to send to a closed session, and tells joined sockets when it closes', async () => {
    const room = await createSession(s.app, alice, { userIds: [bob.id] });
    const b = await open(bob);
    await b.join(room.id);
    expect((await call(s.app, alice, 'patch', `/chat-sessions/${room.id}`, { isClosed: true })).status).toBe(200);
    expect(await b.next((f) => f.type === 'session' && f.sessionId === room.id, 'session frame')).toMatchObject({ isClosed: true });
    b.send({ type: 'send', sessionId: room.id, clientMsgId: 'late', content: 'too late' });
    expect(await b.next((f) => f.type === 'error' && f.clientMsgId === 'late', 'error')).toMatchObject({ code: 'chat_session_closed' });
    expect(await s.t.ctx.prisma.chatMessage.count({ where: { sessionId: room.id } })).toBe(0);
  });
});

describe('history, edits and deletes', () => {
  it('pages through history newest first with before and limit', async () => {
    const room = await createSession(s.app, alice);
    const a = await open(alice);
    await a.join(room.id);
    for (let i = 0; i < 7; i++) a.send({ type: 'send', sessionId: room.id, clientMsgId: `h${i}`, content: `history ${i}` });
    await eventually(() => a.of('ack', (f) => String(f.clientMsgId).startsWith('h')).length === 7, 'acks');
    const pages: Frame[] = [];
    let before: number | undefined;
    for (;;) {
      a.send({ type: 'history', sessionId: room.id, limit: 3, ref: `p${pages.length}`, ...(before ? { before } : {}) });
      const page = await a.next((f) => f.type === 'history' && f.ref === `p${pages.length}`, 'history page');
      pages.push(page);
      const msgs = page.messages as { id: number }[];
      if (!page.hasMore) break;
      before = msgs[msgs.length - 1].id;
    }
    expect(pages.map((p) => (p.messages as unknown[]).length)).toEqual([3, 3, 1]);
    const contents = pages.flatMap((p) => (p.messages as { content: string }[]).map((m) => m.content));
    expect(contents).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => `history ${i}`));
  });

  it('refuses history of a session one may not read', async () => {
    const room = await createSession(s.app, alice);
    const c = await open(carol);
    c.send({ type: 'history', sessionId: room.id, limit: 10, ref: 'nope' });
    expect(await c.next((f) => f.type === 'error' && f.ref === 'nope', 'error')).toMatchObject({ code: 'chat_session_not_found' });
  });

  it('shows an edit to every joined socket and keeps it; only the author may edit', async () => {
    const room = await createSession(s.app, alice, { userIds: [bob.id] });
    const a = await open(alice);
    const b = await open(bob);
    await a.join(room.id);
    await b.join(room.id);
    a.send({ type: 'send', sessionId: room.id, clientMsgId: 'e1', content: 'tpyo' });
    const ack = await a.next((f) => f.type === 'ack' && f.clientMsgId === 'e1', 'ack');
    a.send({ type: 'edit', sessionId: room.id, id: ack.id, content: 'typo' });
    expect(await b.next((f) => f.type === 'edited' && f.id === ack.id, 'edited')).toMatchObject({ v: 1, sessionId: room.id, authorId: alice.id, content: 'typo' });
    expect((await s.t.ctx.prisma.chatMessage.findUniqueOrThrow({ where: { id: ack.id as number } })).content).toBe('typo');
    b.send({ type: 'edit', sessionId: room.id, id: ack.id, content: 'hijack', ref: 'hj' });
    expect(await b.next((f) => f.type === 'error' && f.ref === 'hj', 'error')).toMatchObject({ code: 'not_author' });
    expect((await s.t.ctx.prisma.chatMessage.findUniqueOrThrow({ where: { id: ack.id as number } })).content).toBe('typo');
  });

  it('shows deletes (over the socket, and by an admin over REST) to every joined socket; deleted messages leave the history', async () => {
    const room = await createSession(s.app, alice, { userIds: [bob.id] });
    const a = await open(alice);
    const b = await open(bob);
    await a.join(room.id);
    await b.join(room.id);
    a.send({ type: 'send', sessionId: room.id, clientMsgId: 'd1', content: 'oops' });
    a.send({ type: 'send', sessionId: room.id, clientMsgId: 'd2', content: 'rude' });
    const [m1, m2] = [await a.next((f) => f.type === 'ack' && f.clientMsgId === 'd1', 'ack'), await a.next((f) => f.type === 'ack' && f.clientMsgId === 'd2', 'ack')];
    b.send({ type: 'delete', sessionId: room.id, id: m1.id, ref: 'not-mine' });
    expect(await b.next((f) => f.type === 'error' && f.ref === 'not-mine', 'error')).toMatchObject({ code: 'not_author' });
    a.send({ type: 'delete', sessionId: room.id, id: m1.id });
    expect(await b.next((f) => f.type === 'deleted' && f.id === m1.id, 'deleted by author')).toEqual({ v: 1, type: 'deleted', sessionId: room.id, id: m1.id });
    const res = await call(s.app, admin, 'delete', `/chat-sessions/${room.id}/messages/${m2.id as number}`);
    expect(res.status).toBe(204);
    expect(await a.next((f) => f.type === 'deleted' && f.id === m2.id, 'deleted by admin')).toMatchObject({ sessionId: room.id });
    await b.next((f) => f.type === 'deleted' && f.id === m2.id, 'deleted by admin (b)');
    b.send({ type: 'history', sessionId: room.id, limit: 10, ref: 'after-delete' });
    expect((await b.next((f) => f.type === 'history' && f.ref === 'after-delete', 'history')).messages).toEqual([]);
    const audit = await s.t.ctx.prisma.auditEvent.findMany({ where: { action: 'chat.message_deleted_by_moderator', targetId: String(m2.id) } });
    expect(audit).toHaveLength(1);
    expect(audit[0].actorId).toBe(admin.id);
  });
});

describe('revocation and membership changes', () => {
  it('closes every socket of a banned user (4001) while others stay connected', async () => {
    const victim = await actor(s.t, s.app);
    const room = await createSession(s.app, alice, { userIds: [victim.id] });
    const v1 = await open(victim);
    const v2 = await open(victim);
    const a = await open(alice);
    await v1.join(room.id);
    await a.join(room.id);
    const superuser = await actor(s.t, s.app, 'superuser');
    const res = await call(s.app, superuser, 'post', `/users/${victim.id}/ban`, { reason: 'spam' });
    expect(res.status).toBe(200);
    for (const c of [v1, v2]) expect(await c.closed).toMatchObject({ code: 4001 });
    a.send({ type: 'ping', ref: 'still-here' });
    expect(await a.next((f) => f.type === 'pong' && f.ref === 'still-here', 'pong')).toEqual({ v: 1, type: 'pong', ref: 'still-here' });
    expect(await a.next((f) => f.type === 'presence' && f.userId === victim.id && f.status === 'offline', 'offline')).toMatchObject({ sessionId: room.id });
  });

  it('closes the sockets of a user who logs out everywhere', async () => {
    const who = await actor(s.t, s.app);
    const c = await open(who);
    expect((await call(s.app, who, 'post', '/auth/logout-all')).status).toBeLessThan(300);
    expect(await c.closed).toMatchObject({ code: 4001 });
  });

  it('takes a removed member out of the session at once: left, and no more messages', async () => {
    const room = await createSession(s.app, alice, { userIds: [bob.id] });
    const a = await open(alice);
    const b = await open(bob);
    await a.join(room.id);
    await b.join(room.id);
    expect((await call(s.app, alice, 'delete', `/chat-sessions/${room.id}/members/${bob.id}`)).status).toBe(204);
    expect(await b.next((f) => f.type === 'left' && f.sessionId === room.id, 'left')).toMatchObject({ reason: 'removed' });
    a.send({ type: 'send', sessionId: room.id, clientMsgId: 'without-bob', content: 'bob is gone' });
    await a.next((f) => f.type === 'message' && f.clientMsgId === 'without-bob', 'own message');
    b.send({ type: 'ping', ref: 'sync' });
    await b.next((f) => f.type === 'pong' && f.ref === 'sync', 'pong');
    expect(b.of('message', (f) => f.clientMsgId === 'without-bob')).toEqual([]);
    b.send({ type: 'join', sessionId: room.id, ref: 'rejoin' });
    expect(await b.next((f) => f.type === 'error' && f.ref === 'rejoin', 'refused')).toMatchObject({ code: 'chat_session_not_found' });
  });

  it('answers leave with left and stops delivering', async () => {
    const room = await createSession(s.app, alice, { userIds: [bob.id] });
    const a = await open(alice);
    const b = await open(bob);
    await a.join(room.id);
    await b.join(room.id);
    b.send({ type: 'leave', sessionId: room.id, ref: 'bye' });
    expect(await b.next((f) => f.type === 'left' && f.ref === 'bye', 'left')).toMatchObject({ sessionId: room.id, reason: 'leave' });
    a.send({ type: 'send', sessionId: room.id, clientMsgId: 'after-leave', content: 'x' });
    await a.next((f) => f.type === 'message' && f.clientMsgId === 'after-leave', 'own');
    b.send({ type: 'ping', ref: 'sync2' });
    await b.next((f) => f.type === 'pong' && f.ref === 'sync2', 'pong');
    expect(b.of('message', (f) => f.clientMsgId === 'after-leave')).toEqual([]);
  });

  it('sends typing to the others but not to the typist', async () => {
    const room = await createSession(s.app, alice, { userIds: [bob.id] });
    const a = await open(alice);
    const b = await open(bob);
    await a.join(room.id);
    await b.join(room.id);
    a.send({ type: 'typing', sessionId: room.id });
    expect(await b.next((f) => f.type === 'typing', 'typing')).toEqual({ v: 1, type: 'typing', sessionId: room.id, userId: alice.id });
    a.send({ type: 'ping', ref: 't' });
    await a.next((f) => f.type === 'pong' && f.ref === 't', 'pong');
    expect(a.of('typing')).toEqual([]);
  });
});

describe('invalid frames', () => {
  it.each([
    ['malformed JSON', '{"v":1,', 'malformed_json'],
    ['a non-object', '[1,2]', 'invalid_frame'],
    ['a wrong version', '{"v":2,"type":"ping"}', 'unsupported_version'],
    ['an unknown type', '{"v":1,"type":"dance"}', 'unknown_type'],
    ['a missing field', '{"v":1,"type":"join"}', 'invalid_frame'],
    ['an unknown field', '{"v":1,"type":"ping","extra":true}', 'invalid_frame'],
    ['a string session id', '{"v":1,"type":"join","sessionId":"1"}', 'invalid_frame'],
    ['a too long content', JSON.stringify({ v: 1, type: 'send', sessionId: 1, clientMsgId: 'long', content: 'x'.repeat(101) }), 'invalid_frame'],
    ['a blank content', JSON.stringify({ v: 1, type: 'send', sessionId: 1, clientMsgId: 'blank', content: '   ' }), 'invalid_frame'],
  ])('answers %s with an error frame (%s)', async (_label, text, code) => {
    const c = await open(alice);
    c.sendRaw(text);
    const err = await c.next((f) => f.type === 'error', 'error');
    expect(err).toMatchObject({ v: 1, type: 'error', code, message: expect.any(String) });
    const parsed = (() => {
      try {
        return JSON.parse(text) as { clientMsgId?: string };
      } catch {
        return {};
      }
    })();
    if (parsed.clientMsgId) expect(err.clientMsgId).toBe(parsed.clientMsgId);
    c.close();
  });

  it('answers a binary frame with an error', async () => {
    const c = await open(alice);
    c.sendRaw(Buffer.from([1, 2, 3]));
    expect(await c.next((f) => f.type === 'error', 'error')).toMatchObject({ code: 'binary_not_supported' });
    c.close();
  });

  it('closes the connection on a frame larger than CHAT_MAX_PAYLOAD_BYTES, without storing anything', async () => {
    const room = await createSession(s.app, alice);
    const c = await open(alice);
    await c.join(room.id);
    c.send({ type: 'send', sessionId: room.id, clientMsgId: 'huge', content: 'x'.repeat(20_000) });
    const { code } = await c.closed;
    expect([1006, 1009]).toContain(code);
    expect(c.of('ack')).toEqual([]);
    expect(await s.t.ctx.prisma.chatMessage.count({ where: { sessionId: room.id } })).toBe(0);
  });

  it('closes the socket (1008) after repeated invalid frames, and counts it', async () => {
    const c = await open(alice);
    for (let i = 0; i < 6; i++) c.sendRaw('garbage');
    expect(await c.closed).toMatchObject({ code: 1008 });
    expect(c.of('error')).toHaveLength(5);
    expect((await s.chat.metrics.abusiveClosed.get()).values[0].value).toBeGreaterThanOrEqual(1);
  });
});

describe('rate limit', () => {
  it('refuses messages above the per-user rate with rate_limited and no ack', async () => {
    const limited = await startChatSuite({ CHAT_SEND_RATE_PER_SECOND: '1', CHAT_SEND_BURST: '3' });
    try {
      const who = await actor(limited.t, limited.app);
      const room = await createSession(limited.app, who);
      const c = await connectAs(limited, who);
      await c.join(room.id);
      for (let i = 0; i < 6; i++) c.send({ type: 'send', sessionId: room.id, clientMsgId: `r${i}`, content: `r${i}` });
      await eventually(() => c.of('ack').length + c.of('error').length === 6, 'six answers');
      expect(c.of('ack').length).toBeGreaterThanOrEqual(3);
      expect(c.of('ack').length).toBeLessThan(6);
      for (const e of c.of('error')) expect(e).toMatchObject({ code: 'rate_limited', clientMsgId: expect.stringMatching(/^r\d$/) });
      expect(await limited.t.ctx.prisma.chatMessage.count({ where: { sessionId: room.id } })).toBe(c.of('ack').length);
      c.close();
    } finally {
      await limited.chat.stop();
      await limited.t.cleanup();
    }
  });
});

describe('metrics', () => {
  it.each([
    ['no Authorization header', undefined],
    ['another token', 'Bearer scrape-token-0123456789abcdeX'],
    ['the token without the Bearer scheme', METRICS_TOKEN],
    ['another scheme', `Basic ${METRICS_TOKEN}`],
  ])('refuses /metrics with %s: 401 problem+json, WWW-Authenticate: Bearer, no metrics', async (_label, authorization) => {
    const res = await fetch(`http://127.0.0.1:${s.chat.port}/metrics`, { headers: authorization ? { Authorization: authorization } : {} });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 401, code: 'unauthorized', type: 'urn:agora:problem:unauthorized' });
    expect(JSON.stringify(body)).not.toContain('agora_chat');
  });

  it('serves Prometheus text on /metrics to a scraper with METRICS_TOKEN: connections, messages, flushes and slow consumers', async () => {
    const res = await fetch(`http://127.0.0.1:${s.chat.port}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of [
      'agora_chat_connections',
      'agora_chat_messages_in_total',
      'agora_chat_messages_out_total',
      'agora_chat_flush_batch_size_bucket',
      'agora_chat_flush_duration_seconds_bucket',
      'agora_chat_slow_consumers_dropped_total',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/agora_chat_messages_in_total\{type="send"\} [1-9]/);
  });

  it('reports this replica’s connections for activeConnections()', async () => {
    const c = await open(carol);
    await eventually(async () => (await s.t.ctx.services.chat.activeConnections()) >= 1, 'a count');
    c.close();
  });
});
