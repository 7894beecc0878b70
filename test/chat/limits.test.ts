// Abuse limits of the chat socket over real sockets: a token bucket per socket for every frame type other than
// send (rate_limited), typing coalesced per user and session, history bounded, joins of unknown sessions counted
// as invalid frames (1008 at the limit), and no Redis key left behind per unknown session id.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { redisKeys } from '../../src/platform/keys.js';
import { testProvider } from '../helpers/db.js';
import { actor, call, connectAs, createSession, eventually, startChatSuite, type Actor, type ChatSuite, type Client, type Frame } from './helpers.js';

const suites: ChatSuite[] = [];
const clients: Client[] = [];

async function suite(env: Record<string, string>): Promise<ChatSuite> {
  const s = await startChatSuite(env);
  suites.push(s);
  return s;
}

async function open(s: ChatSuite, who: Actor): Promise<Client> {
  const c = await connectAs(s, who);
  clients.push(c);
  return c;
}

afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of suites) {
    await s.chat.stop();
    await s.t.cleanup();
  }
});

const isRateLimited = (f: Frame) => f.type === 'error' && f.code === 'rate_limited';

describe(`per-socket frame budgets (${testProvider})`, () => {
  // 3 frames at once per class, then 1 a second: of 8 frames sent together at most a few refill in between
  let s: ChatSuite;
  let alice: Actor;
  let room: { id: number };

  beforeAll(async () => {
    s = await suite({ CHAT_FRAME_BURST: '3', CHAT_FRAME_RATE_PER_SECOND: '1', CHAT_HISTORY_BURST: '2', CHAT_HISTORY_RATE_PER_SECOND: '1', CHAT_MAX_INVALID_FRAMES: '100' });
    alice = await actor(s.t, s.app);
    room = await createSession(s.app, alice);
  });

  /** Sends `n` frames with refs at once; resolves with the answers (one per ref) once every one has come. */
  async function burst(c: Client, n: number, frame: (ref: string) => Record<string, unknown>, answered: (f: Frame, ref: string) => boolean) {
    const refs = Array.from({ length: n }, (_, i) => `${String(frame('x').type)}-${i}`);
    for (const ref of refs) c.send(frame(ref));
    await eventually(() => refs.every((ref) => c.frames.some((f) => answered(f, ref))), `answers to ${n} frames`, 10_000);
    return refs.map((ref) => c.frames.find((f) => answered(f, ref))!);
  }

  it.each([
    ['ping', (ref: string) => ({ type: 'ping', ref }), 'pong'],
    ['join', (ref: string, id: number) => ({ type: 'join', sessionId: id, ref }), 'joined'],
    ['history', (ref: string, id: number) => ({ type: 'history', sessionId: id, limit: 1, ref }), 'history'],
    ['edit', (ref: string, id: number) => ({ type: 'edit', sessionId: id, id: 2_000_000_000, content: 'x', ref }), 'error'],
    ['delete', (ref: string, id: number) => ({ type: 'delete', sessionId: id, id: 2_000_000_000, ref }), 'error'],
  ] as const)('refuses %s frames over the socket’s budget with rate_limited, echoing ref and sessionId', async (type, frame, answer) => {
    const c = await open(s, alice);
    if (type !== 'join') await c.join(room.id);
    const answers = await burst(
      c,
      8,
      (ref) => frame(ref, room.id),
      (f, ref) => f.ref === ref,
    );
    const limited = answers.filter(isRateLimited);
    const served = answers.filter((f) => !isRateLimited(f));
    const budget = type === 'history' ? 2 : 3; // the join above took a token of the join class, not of these
    expect(served.length).toBeGreaterThanOrEqual(budget);
    expect(limited.length).toBeGreaterThanOrEqual(8 - budget - 2);
    for (const f of served) expect(f.type).toBe(answer);
    for (const f of limited) {
      expect(f).toEqual({ v: 1, type: 'error', code: 'rate_limited', message: `Too many ${type} frames; slow down.`, ref: f.ref, ...(type === 'ping' ? {} : { sessionId: room.id }) });
    }
    if (type === 'edit' || type === 'delete') for (const f of served) expect(f.code).toBe('chat_message_not_found');
    const metric = (await s.chat.metrics.rateLimited.get()).values.find((v) => v.labels.type === type);
    expect(metric?.value).toBeGreaterThanOrEqual(limited.length);
  });

  it('refuses leave frames over the budget too (join and leave share one)', async () => {
    const c = await open(s, alice);
    await c.join(room.id);
    const answers = await burst(
      c,
      8,
      (ref) => ({ type: 'leave', sessionId: room.id, ref }),
      (f, ref) => f.ref === ref,
    );
    expect(answers.filter((f) => f.type === 'left')).toHaveLength(1);
    expect(answers.filter(isRateLimited).length).toBeGreaterThanOrEqual(3);
    for (const f of answers.filter(isRateLimited)) expect(f).toMatchObject({ code: 'rate_limited', sessionId: room.id, message: 'Too many leave frames; slow down.' });
  });

  it('refuses typing frames over the budget with rate_limited (typing carries no ref)', async () => {
    const c = await open(s, alice);
    await c.join(room.id);
    c.mark();
    for (let i = 0; i < 8; i++) c.send({ type: 'typing', sessionId: room.id });
    await eventually(() => c.since('error').length >= 3, 'three rate_limited errors');
    for (const f of c.since('error')) expect(f).toEqual({ v: 1, type: 'error', code: 'rate_limited', message: 'Too many typing frames; slow down.', sessionId: room.id });
  });

  it('keeps each socket’s budget to itself and each class apart', async () => {
    const a = await open(s, alice);
    const b = await open(s, alice);
    const pings = await burst(
      a,
      8,
      (ref) => ({ type: 'ping', ref }),
      (f, ref) => f.ref === ref,
    );
    expect(pings.some(isRateLimited)).toBe(true);
    // the same user's other socket, and another class on the first socket, are untouched
    b.send({ type: 'ping', ref: 'other-socket' });
    await b.next((f) => f.type === 'pong' && f.ref === 'other-socket', 'pong');
    a.send({ type: 'join', sessionId: room.id, ref: 'other-class' });
    expect(await a.next((f) => f.ref === 'other-class', 'join answer')).toMatchObject({ type: 'joined' });
  });
});

describe('typing coalesced per user and session', () => {
  it('delivers at most one typing frame per user and session within CHAT_TYPING_INTERVAL_MS, whichever socket sends it', async () => {
    const s = await suite({ CHAT_TYPING_INTERVAL_MS: '60000', CHAT_FRAME_BURST: '1000' });
    const alice = await actor(s.t, s.app);
    const bob = await actor(s.t, s.app);
    const carol = await actor(s.t, s.app);
    const room = await createSession(s.app, alice, { userIds: [bob.id, carol.id] });
    const other = await createSession(s.app, alice, { userIds: [bob.id] });
    const a1 = await open(s, alice);
    const a2 = await open(s, alice);
    const b = await open(s, bob);
    const c = await open(s, carol);
    for (const x of [a1, a2, b]) {
      await x.join(room.id);
      await x.join(other.id);
    }
    await c.join(room.id);
    for (let i = 0; i < 20; i++) (i % 2 ? a1 : a2).send({ type: 'typing', sessionId: room.id });
    for (let i = 0; i < 5; i++) a1.send({ type: 'typing', sessionId: other.id });
    for (let i = 0; i < 5; i++) c.send({ type: 'typing', sessionId: room.id });
    // a message published after all of that reaches b behind every typing frame that went out
    for (const x of [a1, a2, c]) {
      x.send({ type: 'ping', ref: 'done' });
      await x.next((f) => f.type === 'pong' && f.ref === 'done', 'pong');
    }
    a1.send({ type: 'send', sessionId: room.id, clientMsgId: 'fence', content: 'after the typing' });
    await b.next((f) => f.type === 'message' && f.clientMsgId === 'fence', 'fence');
    const typing = b.of('typing');
    expect(typing.filter((f) => f.sessionId === room.id && f.userId === alice.id)).toHaveLength(1);
    expect(typing.filter((f) => f.sessionId === other.id && f.userId === alice.id)).toHaveLength(1);
    expect(typing.filter((f) => f.sessionId === room.id && f.userId === carol.id)).toHaveLength(1);
    expect(typing).toHaveLength(3);
    // coalescing is silent: no error for the frames within the budget
    expect([...a1.of('error'), ...a2.of('error'), ...c.of('error')]).toEqual([]);
  });

  it('lets the next typing frame through once the interval has passed', async () => {
    const s = await suite({ CHAT_TYPING_INTERVAL_MS: '200', CHAT_FRAME_BURST: '1000', CHAT_FRAME_RATE_PER_SECOND: '1000' });
    const alice = await actor(s.t, s.app);
    const bob = await actor(s.t, s.app);
    const room = await createSession(s.app, alice, { userIds: [bob.id] });
    const a = await open(s, alice);
    const b = await open(s, bob);
    await a.join(room.id);
    await b.join(room.id);
    const deadline = Date.now() + 20_000;
    while (b.of('typing').length < 2 && Date.now() < deadline) {
      a.send({ type: 'typing', sessionId: room.id });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(b.of('typing').length).toBeGreaterThanOrEqual(2);
  });
});

describe('joins of unknown sessions', () => {
  it('counts a refused join as an invalid frame: CHAT_MAX_INVALID_FRAMES of them close the socket with 1008', async () => {
    const s = await suite({ CHAT_MAX_INVALID_FRAMES: '3' });
    const alice = await actor(s.t, s.app);
    const bob = await actor(s.t, s.app);
    const notMine = await createSession(s.app, bob);
    const c = await open(s, alice);
    c.send({ type: 'join', sessionId: notMine.id, ref: 'j1' });
    c.send({ type: 'join', sessionId: 1_999_999_001, ref: 'j2' });
    expect(await c.next((f) => f.ref === 'j1', 'j1')).toMatchObject({ type: 'error', code: 'chat_session_not_found', sessionId: notMine.id });
    expect(await c.next((f) => f.ref === 'j2', 'j2')).toMatchObject({ type: 'error', code: 'chat_session_not_found', sessionId: 1_999_999_001 });
    // still open after two
    c.send({ type: 'ping', ref: 'alive' });
    await c.next((f) => f.type === 'pong' && f.ref === 'alive', 'pong');
    c.send({ type: 'join', sessionId: 1_999_999_002, ref: 'j3' });
    expect(await c.closed).toMatchObject({ code: 1008, reason: 'too many invalid frames' });
    expect(c.of('error').map((f) => f.code)).toEqual(['chat_session_not_found', 'chat_session_not_found', 'chat_session_not_found']);
    expect((await s.chat.metrics.abusiveClosed.get()).values[0].value).toBe(1);
  });

  it('stores nothing in Redis per unknown session id (WebSocket join and REST read), while known sessions stay cached', async () => {
    const s = await suite({ CHAT_MAX_INVALID_FRAMES: '1000', CHAT_FRAME_BURST: '1000' });
    const alice = await actor(s.t, s.app);
    const redis = s.t.ctx.redis;
    const c = await open(s, alice);
    const ids = Array.from({ length: 50 }, (_, i) => 1_900_000_000 + i);
    for (const id of ids) c.send({ type: 'join', sessionId: id, ref: `u${id}` });
    await eventually(() => c.of('error').length === ids.length, 'fifty refusals', 20_000);
    expect(new Set(c.of('error').map((f) => f.code))).toEqual(new Set(['chat_session_not_found']));
    expect((await call(s.app, alice, 'get', `/chat-sessions/${ids[0] + 100}`)).status).toBe(404);
    for (const id of [...ids, ids[0] + 100]) {
      expect(await redis.exists(redisKeys.chatSessionState(id), redisKeys.chatSessionMembers(id), redisKeys.chatSessionVersion(id))).toBe(0);
    }
    const room = await createSession(s.app, alice);
    await c.join(room.id);
    expect(await redis.exists(redisKeys.chatSessionState(room.id))).toBe(1);
  });
});
