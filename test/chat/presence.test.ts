// Presence over two chat replicas (two startChat servers on their own contexts, one database, one Redis prefix):
// `joined.online` lists the members connected anywhere, once each; `presence` goes out per user, not per replica; and
// what a replica that died counted is taken back by the others' heartbeat.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { startChat, type RunningChat } from '../../src/chat/server.js';
import { redisKeys } from '../../src/platform/keys.js';
import { testProvider } from '../helpers/db.js';
import { actor, Client, createSession, eventually, startChatSuite, ticketFor, type Actor, type ChatSuite } from './helpers.js';

let a: ChatSuite; // replica A, with the api app
let ctxB: Context;
let chatB: RunningChat;
let urlB: string;
let alice: Actor;
let bob: Actor;
let carol: Actor;
const clients: Client[] = [];

const open = async (url: string, who: Actor) => {
  const c = await Client.open(url, await ticketFor(a.app, who));
  clients.push(c);
  return c;
};
const onA = (who: Actor) => open(a.url, who);
const onB = (who: Actor) => open(urlB, who);

beforeAll(async () => {
  a = await startChatSuite();
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

const presenceOf = (c: Client, sessionId: number, userId: number) => c.of('presence', (f) => f.sessionId === sessionId && f.userId === userId).map((f) => f.status);

describe(`presence over two replicas (${testProvider})`, () => {
  it('lists in joined.online a member connected to the other replica, once, and sends presence per user', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id, carol.id] });
    const aliceA = await onA(alice);
    expect(await aliceA.join(room.id)).toMatchObject({ type: 'joined', online: [alice.id] });
    // bob on both replicas: one `online` for alice, and joined.online lists him once
    const bobB = await onB(bob);
    expect(await bobB.join(room.id)).toMatchObject({ online: [alice.id, bob.id].sort((x, y) => x - y) });
    const bobA = await onA(bob);
    expect(await bobA.join(room.id)).toMatchObject({ online: [alice.id, bob.id].sort((x, y) => x - y) });
    const carolB = await onB(carol);
    expect((await carolB.join(room.id)).online).toEqual([alice.id, bob.id, carol.id].sort((x, y) => x - y));
    await aliceA.next((f) => f.type === 'presence' && f.userId === carol.id, 'carol online');
    expect(presenceOf(aliceA, room.id, bob.id)).toEqual(['online']);
    // bob leaves one replica: still online; then the other: offline, once
    bobB.close();
    await bobB.closed;
    bobA.send({ type: 'leave', sessionId: room.id, ref: 'bye' });
    await bobA.next((f) => f.type === 'left', 'left');
    await aliceA.next((f) => f.type === 'presence' && f.userId === bob.id && f.status === 'offline', 'bob offline');
    await carolB.next((f) => f.type === 'presence' && f.userId === bob.id && f.status === 'offline', 'bob offline on B');
    expect(presenceOf(aliceA, room.id, bob.id)).toEqual(['online', 'offline']);
    expect(presenceOf(carolB, room.id, bob.id)).toEqual(['offline']);
    const late = await onA(bob);
    expect((await late.join(room.id)).online).toEqual([alice.id, bob.id, carol.id].sort((x, y) => x - y));
    expect(await a.t.ctx.redis.hgetall(redisKeys.chatOnline(room.id))).toEqual({ [alice.id]: '1', [bob.id]: '1', [carol.id]: '1' });
  });

  it('takes back what a replica that died had counted, and tells the session', async () => {
    const room = await createSession(a.app, alice, { userIds: [carol.id] });
    const aliceA = await onA(alice);
    await aliceA.join(room.id);
    // a third replica that dies without cleaning up: its connection count lapses, its presence counts stay
    const ctxC = await createContext(loadConfig(a.t.env), { service: 'test-replica-c' });
    const chatC = await startChat(ctxC, 0, '127.0.0.1');
    const carolC = await open(`ws://127.0.0.1:${chatC.port}/ws`, carol);
    expect((await carolC.join(room.id)).online).toEqual([alice.id, carol.id].sort((x, y) => x - y));
    await aliceA.next((f) => f.type === 'presence' && f.userId === carol.id && f.status === 'online', 'carol online');
    const presence = ctxC.services.chat.presence;
    // what `kill -9` leaves behind: the counts, and no heartbeat (its key is deleted instead of waiting for the TTL)
    presence.dropReplica = () => Promise.resolve();
    presence.depart = () => Promise.resolve();
    await chatC.stop();
    await ctxC.close();
    await a.t.ctx.redis.del(redisKeys.chatReplicaConnections(chatC.replicaId));
    expect(await a.t.ctx.redis.hget(redisKeys.chatOnline(room.id), String(carol.id))).toBe('1');
    // the heartbeat of A (or B) notices
    await aliceA.next((f) => f.type === 'presence' && f.userId === carol.id && f.status === 'offline', 'carol offline', 30_000);
    await eventually(async () => (await a.t.ctx.redis.hget(redisKeys.chatOnline(room.id), String(carol.id))) === null, 'the count taken back');
    expect(await a.t.ctx.redis.sismember(redisKeys.chatOnlineReplicas(), chatC.replicaId)).toBe(0);
    const again = await onB(alice);
    expect((await again.join(room.id)).online).toEqual([alice.id]);
  });
});
