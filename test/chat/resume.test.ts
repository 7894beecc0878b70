// Resume over two chat replicas (two startChat servers on their own contexts, one database, one Redis prefix): a
// client that comes back with `join {after}` gets every message after its last one and every edit and delete it
// missed, then the live frames, with nothing lost and nothing twice, while others keep sending; too much to replay
// is `resumed: false, hasMore: true`; and after a `resync` (its replica's Redis subscription dropped), joining again
// with `after` ends with exactly what the database holds.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { startChat, subscriberName, type RunningChat } from '../../src/chat/server.js';
import { testProvider } from '../helpers/db.js';
import { actor, Client, createSession, eventually, startChatSuite, ticketFor, type Actor, type ChatSuite, type Frame } from './helpers.js';

const RESUME_MAX = 300;

let a: ChatSuite; // replica A, with the api app
let ctxB: Context;
let chatB: RunningChat;
let urlB: string;
let alice: Actor;
let bob: Actor;
let carol: Actor;
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
  a = await startChatSuite({ CHAT_RESUME_MAX: String(RESUME_MAX) });
  ctxB = await createContext(loadConfig(a.t.env), { service: 'test-replica-b' });
  chatB = await startChat(ctxB, 0, '127.0.0.1');
  urlB = `ws://127.0.0.1:${chatB.port}/ws`;
  alice = await actor(a.t, a.app);
  bob = await actor(a.t, a.app);
  carol = await actor(a.t, a.app);
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
  for (let i = 0; i < contents.length; i++) ids.push((await c.next((f) => f.type === 'ack' && f.clientMsgId === `${tag}-${i}`, `ack ${i}`, 60_000)).id as number);
  return ids;
}

/** The visible messages of a session as the database has them: id → content. */
async function databaseState(sessionId: number): Promise<Map<number, string>> {
  const rows = await a.t.ctx.prisma.chatMessage.findMany({ where: { sessionId, isVisible: true }, select: { id: true, content: true }, orderBy: { id: 'asc' } });
  return new Map(rows.map((r) => [r.id, r.content]));
}

/** Applies a socket's frames of one session to what the client had, as a client would. */
function apply(state: Map<number, string>, received: Frame[], sessionId: number): Map<number, string> {
  const out = new Map(state);
  for (const f of received) {
    if (f.sessionId !== sessionId) continue;
    if (f.type === 'message' || f.type === 'edited') out.set(f.id as number, f.content as string);
    else if (f.type === 'deleted') out.delete(f.id as number);
  }
  return out;
}

const joinFrame = (c: Client, sessionId: number) => c.next((f) => (f.type === 'joined' || f.type === 'error') && f.sessionId === sessionId, `joined ${sessionId}`);

describe(`resume over two replicas (${testProvider})`, () => {
  it('replays 200 messages, 5 edits and 3 deletes missed while away, then live frames, with no gap and no duplicate', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id, carol.id] });
    const aliceA = await onA(alice);
    const bobB = await onB(bob);
    const carolA = await onA(carol);
    for (const c of [aliceA, bobB, carolA]) expect(await c.join(room.id)).toMatchObject({ type: 'joined' });
    const older = await sendAll(aliceA, room.id, ['old 0', 'old 1', 'old 2', 'old 3', 'old 4', 'old 5']);
    const [last] = await sendAll(carolA, room.id, ['carol was here']);
    await carolA.next((f) => f.type === 'message' && f.id === last, 'her own message');
    const had = await databaseState(room.id);
    carolA.close();
    await carolA.closed;

    // while carol is away: 200 messages, 5 edits and 3 deletes (of older messages and of new ones)
    const missed = await sendAll(
      bobB,
      room.id,
      Array.from({ length: 200 }, (_, i) => `missed ${i}`),
    );
    const bobsOwn = await sendAll(bobB, room.id, ['to edit', 'to delete']);
    for (const [i, id] of [older[0], older[1], older[2]].entries()) aliceA.send({ type: 'edit', sessionId: room.id, id, content: `old edited ${i}` });
    aliceA.send({ type: 'delete', sessionId: room.id, id: older[3] });
    aliceA.send({ type: 'delete', sessionId: room.id, id: older[4] });
    bobB.send({ type: 'edit', sessionId: room.id, id: bobsOwn[0], content: 'new edited' });
    bobB.send({ type: 'edit', sessionId: room.id, id: missed[7], content: 'missed edited' });
    bobB.send({ type: 'delete', sessionId: room.id, id: bobsOwn[1] });
    await eventually(async () => (await a.t.ctx.prisma.chatMessageChange.count({ where: { sessionId: room.id } })) === 8, 'the 8 changes stored');

    // carol comes back, to the other replica, while alice keeps sending
    const during = Array.from({ length: 60 }, (_, i) => `during ${i}`);
    during.slice(0, 30).forEach((content, i) => aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: `during-${i}`, content }));
    const carolB = await onB(carol);
    carolB.send({ type: 'join', sessionId: room.id, after: last, ref: 'resume' });
    during.slice(30).forEach((content, i) => aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: `during-${30 + i}`, content }));
    const joined = await joinFrame(carolB, room.id);
    expect(joined).toMatchObject({ type: 'joined', sessionId: room.id, resumed: true, hasMore: false, ref: 'resume' });
    // the last marker, sent once everything else is acknowledged
    await aliceA.next((f) => f.type === 'ack' && f.clientMsgId === 'during-59', 'the last ack', 60_000);
    const [end] = await sendAll(aliceA, room.id, ['the end']);
    await carolB.next((f) => f.type === 'message' && f.id === end, 'the end on B', 60_000);

    const received = carolB.frames.filter((f) => f.sessionId === room.id);
    const ids = received.filter((f) => f.type === 'message').map((f) => f.id as number);
    expect(new Set(ids).size).toBe(ids.length); // no duplicate
    expect(ids).not.toContain(last); // nothing at or before `after`
    expect(Math.min(...ids)).toBeGreaterThan(last);
    // the replay comes right behind `joined`: the edits and deletes of older messages in the order they were made,
    // then the messages, oldest first
    const afterJoined = received.slice(received.indexOf(joined) + 1);
    const changes = await a.t.ctx.prisma.chatMessageChange.findMany({ where: { sessionId: room.id, messageId: { lte: last } }, orderBy: { id: 'asc' } });
    expect(afterJoined.slice(0, 5).map((f) => f.id)).toEqual(changes.map((c) => c.messageId));
    expect(afterJoined.slice(0, 5).map((f) => `${f.type} ${f.id as number}`)).toEqual(
      expect.arrayContaining([`edited ${older[0]}`, `edited ${older[1]}`, `edited ${older[2]}`, `deleted ${older[3]}`, `deleted ${older[4]}`]),
    );
    const replayed = afterJoined.slice(5, 5 + missed.length).map((f) => f.id as number);
    expect(replayed).toEqual(missed);
    expect(afterJoined.find((f) => f.id === missed[7])).toMatchObject({ type: 'message', content: 'missed edited' });
    if (testProvider === 'sqlite') expect(ids).toEqual([...ids].sort((x, y) => x - y)); // one writer: ids in commit order
    // and carol ends with exactly what the database holds
    expect(apply(had, received, room.id)).toEqual(await databaseState(room.id));
  });

  it(`answers resumed: false, hasMore: true when more than CHAT_RESUME_MAX (${RESUME_MAX}) messages were missed, and still joins`, async () => {
    const room = await createSession(a.app, alice, { userIds: [carol.id] });
    const results = await a.t.ctx.services.chat.commitMessages(
      Array.from({ length: RESUME_MAX + 2 }, (_, i) => ({ sessionId: room.id, authorId: alice.id, clientMsgId: `bulk-${i}`, content: `bulk ${i}` })),
    );
    const first = results[0].ok ? results[0].id : 0;
    const carolB = await onB(carol);
    carolB.send({ type: 'join', sessionId: room.id, after: first });
    expect(await joinFrame(carolB, room.id)).toMatchObject({ type: 'joined', resumed: false, hasMore: true });
    const aliceA = await onA(alice);
    await aliceA.join(room.id);
    const [live] = await sendAll(aliceA, room.id, ['live']);
    await carolB.next((f) => f.type === 'message' && f.id === live, 'the live message');
    expect(carolB.of('message')).toHaveLength(1);
    // `after: 0` with few enough messages replays them all; an unknown `after` is not resumed
    const small = await createSession(a.app, alice, { userIds: [carol.id] });
    await aliceA.join(small.id);
    const ids = await sendAll(aliceA, small.id, ['s1', 's2']);
    const carol2 = await onA(carol);
    carol2.send({ type: 'join', sessionId: small.id, after: 0 });
    expect(await joinFrame(carol2, small.id)).toMatchObject({ resumed: true, hasMore: false });
    await eventually(() => carol2.of('message').length === 2, 'both messages');
    expect(carol2.of('message').map((f) => f.id)).toEqual(ids);
    const carol3 = await onA(carol);
    carol3.send({ type: 'join', sessionId: small.id, after: first });
    expect(await joinFrame(carol3, small.id)).toMatchObject({ type: 'joined', resumed: false, hasMore: true });
  });

  it('after a resync, joining again with `after` ends with exactly the messages in the database', async () => {
    const room = await createSession(a.app, alice, { userIds: [carol.id] });
    const aliceA = await onA(alice);
    const carolB = await onB(carol);
    await aliceA.join(room.id);
    await carolB.join(room.id);
    const [before] = await sendAll(aliceA, room.id, ['before']);
    await carolB.next((f) => f.type === 'message' && f.id === before, 'before');
    const had = await databaseState(room.id);
    // B's subscriber connection drops: what A sends meanwhile may never reach B
    const list = (await a.t.ctx.redis.client('LIST')) as string;
    const line = list.split('\n').find((l) => l.includes(`name=${subscriberName(chatB.replicaId)} `));
    expect(line).toBeDefined();
    await a.t.ctx.redis.client('KILL', 'ID', /\bid=(\d+)/.exec(line!)![1]);
    await sendAll(
      aliceA,
      room.id,
      Array.from({ length: 20 }, (_, i) => `while B is away ${i}`),
    );
    await carolB.next((f) => f.type === 'resync', 'resync', 60_000);
    carolB.mark();
    carolB.send({ type: 'join', sessionId: room.id, after: before, ref: 'again' });
    expect(await carolB.next((f) => f.type === 'joined' && f.ref === 'again', 'joined again')).toMatchObject({ resumed: true, hasMore: false });
    const [end] = await sendAll(aliceA, room.id, ['the end']);
    await carolB.next((f) => f.type === 'message' && f.id === end, 'the end', 60_000);
    // after the rejoin: each message once
    const again = carolB.since('message').map((f) => f.id as number);
    expect(new Set(again).size).toBe(again.length);
    expect(apply(had, carolB.frames, room.id)).toEqual(await databaseState(room.id));
  });
});
