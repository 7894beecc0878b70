// Two chat replicas (two startChat servers, each on its own context) sharing one database and one Redis prefix,
// as two chat processes would: messages, deletes and membership changes cross between them exactly once, a
// revocation closes the user's sockets on both, and activeConnections() adds up both replicas.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { startChat, subscriberName, type RunningChat } from '../../src/chat/server.js';
import { testProvider } from '../helpers/db.js';
import { actor, call, Client, createSession, eventually, startChatSuite, ticketFor, type Actor, type ChatSuite } from './helpers.js';

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

/**
 * Drops a replica's Redis subscriber connection (it reconnects by itself). With `ifConnected`, a replica that is
 * reconnecting is left alone (false); otherwise its connection must be there.
 */
async function killSubscriber(replicaId: string, opts: { ifConnected?: boolean } = {}): Promise<boolean> {
  const list = (await a.t.ctx.redis.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(`name=${subscriberName(replicaId)} `));
  if (!line && opts.ifConnected) return false;
  expect(line).toBeDefined();
  await a.t.ctx.redis.client('KILL', 'ID', /\bid=(\d+)/.exec(line!)![1]);
  return true;
}

/** Whether the replica's bus knows that its subscriber connection is down (ChatBus.subscriberDown). */
const subscriberDown = (ctx: Context) => !ctx.services.chat.bus['subscribed'];

describe(`two replicas (${testProvider})`, () => {
  it('are two replicas with different ids', () => {
    expect(chatB.replicaId).not.toBe(a.chat.replicaId);
  });

  it('deliver every message exactly once to every joined socket, whichever replica it was sent to', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id, carol.id] });
    const aliceA = await onA(alice);
    const bobB = await onB(bob);
    const bobA = await onA(bob);
    const carolB = await onB(carol);
    const all = [aliceA, bobB, bobA, carolB];
    for (const c of all) expect(await c.join(room.id)).toMatchObject({ type: 'joined' });
    const n = 30;
    for (let i = 0; i < n; i++) {
      aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: `a${i}`, content: `from A ${i}` });
      bobB.send({ type: 'send', sessionId: room.id, clientMsgId: `b${i}`, content: `from B ${i}` });
    }
    await eventually(() => all.every((c) => c.of('message').length >= 2 * n), 'every socket got every message');
    // markers sent last through both replicas: once they are in, nothing else is on its way
    aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: 'end-a', content: 'end' });
    bobB.send({ type: 'send', sessionId: room.id, clientMsgId: 'end-b', content: 'end' });
    for (const c of all) {
      await c.next((f) => f.type === 'message' && f.clientMsgId === 'end-a', 'end-a');
      await c.next((f) => f.type === 'message' && f.clientMsgId === 'end-b', 'end-b');
    }
    const rows = await a.t.ctx.prisma.chatMessage.findMany({ where: { sessionId: room.id }, orderBy: { id: 'asc' } });
    expect(rows).toHaveLength(2 * n + 2);
    for (const c of all) {
      const ids = c.of('message').map((f) => f.id as number);
      expect(ids).toHaveLength(rows.length); // no duplicates, nothing missing
      expect(new Set(ids)).toEqual(new Set(rows.map((r) => r.id)));
      // per sender, messages arrive in the order they were sent
      for (const prefix of ['a', 'b']) {
        const seq = c.of('message', (f) => /^[ab]\d+$/.test(String(f.clientMsgId)) && String(f.clientMsgId).startsWith(prefix)).map((f) => Number(String(f.clientMsgId).slice(1)));
        expect(seq).toEqual(Array.from({ length: n }, (_, i) => i));
      }
    }
    // replica B relayed what A stored and vice versa
    expect((await chatB.metrics.relayed.get()).values[0].value).toBeGreaterThanOrEqual(n);
    expect((await a.chat.metrics.relayed.get()).values[0].value).toBeGreaterThanOrEqual(n);
  });

  it('acknowledge a resend through the other replica with the original id, and fan it out again under that id', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id] });
    const aliceA = await onA(alice);
    const bobA = await onA(bob);
    const bobB = await onB(bob);
    for (const c of [aliceA, bobA, bobB]) expect(await c.join(room.id)).toMatchObject({ type: 'joined' });
    aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: 'resent', content: 'once only' });
    const first = await aliceA.next((f) => f.type === 'ack' && f.clientMsgId === 'resent', 'first ack');
    for (const c of [bobA, bobB]) await c.next((f) => f.type === 'message' && f.clientMsgId === 'resent', 'the message');
    // the ack was lost: the client reconnects, to the other replica, and sends the same message again
    aliceA.close();
    const aliceB = await onB(alice);
    await aliceB.join(room.id);
    aliceB.send({ type: 'send', sessionId: room.id, clientMsgId: 'resent', content: 'once only' });
    expect(await aliceB.next((f) => f.type === 'ack' && f.clientMsgId === 'resent', 'ack of the resend')).toEqual(first);
    // markers after the resend, through both replicas: once they are in, the resend's copy has come before them
    aliceB.send({ type: 'send', sessionId: room.id, clientMsgId: 'resent-end-b', content: 'end' });
    bobA.send({ type: 'send', sessionId: room.id, clientMsgId: 'resent-end-a', content: 'end' });
    for (const c of [aliceB, bobA, bobB]) {
      await c.next((f) => f.type === 'message' && f.clientMsgId === 'resent-end-b', 'end-b');
      await c.next((f) => f.type === 'message' && f.clientMsgId === 'resent-end-a', 'end-a');
    }
    // (the replica of the original may have died before its fan-out: the resend goes out again, with the same id,
    // and a client that has the id already drops it)
    for (const c of [bobA, bobB]) expect(c.of('message', (f) => f.clientMsgId === 'resent').map((f) => f.id)).toEqual([first.id, first.id]);
    expect(aliceB.of('message', (f) => f.clientMsgId === 'resent').map((f) => f.id)).toEqual([first.id]);
    expect(await a.t.ctx.prisma.chatMessage.count({ where: { sessionId: room.id, clientMsgId: 'resent' } })).toBe(1);
  });

  it('keep a session off Redis while one replica alone has sockets in it, and publish again once the other joins', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id] });
    const busA = a.t.ctx.services.chat.bus;
    const aliceA = await onA(alice);
    await aliceA.join(room.id);
    // the first message learns from PUBLISH's reply that nobody else listens; the ones after it stay local
    const skippedBefore = busA.counts.skipped;
    let i = 0;
    await eventually(async () => {
      aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: `solo${i}`, content: `alone ${i}` });
      await aliceA.next((f) => f.type === 'message' && f.clientMsgId === `solo${i}`, `solo${i}`);
      i++;
      return busA.counts.skipped > skippedBefore;
    }, 'a message kept off Redis');
    // a socket on B joins: B says hello and its `joined` waits for A's ack, so nothing sent after it is missed
    const bobB = await onB(bob);
    expect(await bobB.join(room.id)).toMatchObject({ type: 'joined' });
    const publishedBefore = busA.counts.published;
    aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: 'after-join', content: 'does B see this?' });
    expect(await bobB.next((f) => f.type === 'message' && f.clientMsgId === 'after-join', 'after-join on B')).toMatchObject({ content: 'does B see this?' });
    expect(busA.counts.published).toBeGreaterThan(publishedBefore);
    bobB.send({ type: 'send', sessionId: room.id, clientMsgId: 'from-b', content: 'and back' });
    await aliceA.next((f) => f.type === 'message' && f.clientMsgId === 'from-b', 'from-b on A');
    // markers through both replicas, then exactly once each
    aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: 'end-a', content: 'end' });
    for (const c of [aliceA, bobB]) await c.next((f) => f.type === 'message' && f.clientMsgId === 'end-a', 'end-a');
    for (const c of [aliceA, bobB]) {
      expect(c.of('message', (f) => f.clientMsgId === 'after-join')).toHaveLength(1);
      expect(c.of('message', (f) => f.clientMsgId === 'from-b')).toHaveLength(1);
    }
    // what B never joined for stayed away from it
    expect(bobB.of('message', (f) => String(f.clientMsgId).startsWith('solo'))).toEqual([]);
  });

  it('say hello again after a subscriber reconnect, so a replica that went solo meanwhile publishes again', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id] });
    const busA = a.t.ctx.services.chat.bus;
    const aliceA = await onA(alice);
    const bobB = await onB(bob);
    await aliceA.join(room.id);
    await bobB.join(room.id);
    // B's subscriber connection drops: A's next PUBLISH reaches nobody else, and A goes solo on the session. B
    // reconnects by itself ~200 ms later, which on a busy machine can come before A has published twice (once to
    // learn, once to skip): its connection is then dropped again, until A has gone solo.
    await killSubscriber(chatB.replicaId);
    const skippedBefore = busA.counts.skipped;
    let i = 0;
    await eventually(async () => {
      await killSubscriber(chatB.replicaId, { ifConnected: true });
      aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: `gap${i}`, content: 'while B is away' });
      await aliceA.next((f) => f.type === 'message' && f.clientMsgId === `gap${i}`, `gap${i}`);
      i++;
      return busA.counts.skipped > skippedBefore;
    }, 'A to go solo while B is away');
    // B reconnects by itself and says hello: A's messages reach B again
    let n = 0;
    await eventually(async () => {
      aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: `probe${n++}`, content: 'back?' });
      await new Promise((r) => setTimeout(r, 100));
      return bobB.of('message', (f) => String(f.clientMsgId).startsWith('probe')).length > 0;
    }, 'a message from A on B after the reconnect');
  });

  it('do not go solo while their own subscriber connection is down (a reply of 1 receiver is then the other replica)', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id] });
    const aliceA = await onA(alice);
    const bobB = await onB(bob);
    await aliceA.join(room.id);
    await bobB.join(room.id);
    await killSubscriber(a.chat.replicaId);
    // A notices (its reconnect comes ~200 ms later)
    await eventually(() => subscriberDown(a.t.ctx), 'A to notice its subscriber connection is down');
    for (let i = 0; i < 5; i++) {
      aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: `down${i}`, content: 'while A is away' });
      await aliceA.next((f) => f.type === 'message' && f.clientMsgId === `down${i}`, `down${i}`);
    }
    await eventually(() => bobB.of('message', (f) => String(f.clientMsgId).startsWith('down')).length === 5, 'all five on B');
  });

  it('carry a delete made over REST, and a membership removal, to the sockets on the other replica', async () => {
    const room = await createSession(a.app, alice, { userIds: [bob.id] });
    const aliceA = await onA(alice);
    const bobB = await onB(bob);
    await aliceA.join(room.id);
    await bobB.join(room.id);
    aliceA.send({ type: 'send', sessionId: room.id, clientMsgId: 'gone', content: 'soon gone' });
    const ack = await aliceA.next((f) => f.type === 'ack' && f.clientMsgId === 'gone', 'ack');
    expect((await call(a.app, alice, 'delete', `/chat-sessions/${room.id}/messages/${ack.id as number}`)).status).toBe(204);
    expect(await bobB.next((f) => f.type === 'deleted' && f.id === ack.id, 'deleted on B')).toEqual({ v: 1, type: 'deleted', sessionId: room.id, id: ack.id });
    expect((await call(a.app, alice, 'delete', `/chat-sessions/${room.id}/members/${bob.id}`)).status).toBe(204);
    expect(await bobB.next((f) => f.type === 'left' && f.sessionId === room.id, 'left on B')).toMatchObject({ reason: 'removed' });
    aliceA.send({ type: 'ping', ref: 'sync' });
    await aliceA.next((f) => f.type === 'pong', 'pong');
    expect(bobB.of('deleted')).toHaveLength(1);
  });

  it('close a banned user’s sockets on both replicas', async () => {
    const victim = await actor(a.t, a.app);
    const admin = await actor(a.t, a.app, 'admin');
    const v1 = await onA(victim);
    const v2 = await onB(victim);
    const bystander = await onB(carol);
    expect((await call(a.app, admin, 'post', `/users/${victim.id}/ban`, { reason: 'abuse' })).status).toBe(200);
    expect(await v1.closed).toMatchObject({ code: 4001 });
    expect(await v2.closed).toMatchObject({ code: 4001 });
    bystander.send({ type: 'ping', ref: 'ok' });
    expect(await bystander.next((f) => f.type === 'pong', 'pong')).toMatchObject({ ref: 'ok' });
  });

  it('add up both replicas in activeConnections()', async () => {
    const live = () => a.chat.connections() + chatB.connections();
    const extra = [await onA(carol), await onB(carol), await onB(carol)];
    expect(a.chat.connections()).toBeGreaterThanOrEqual(1);
    expect(chatB.connections()).toBeGreaterThanOrEqual(2);
    await eventually(async () => (await a.t.ctx.services.chat.activeConnections()) === live(), 'the count of both replicas');
    const withExtra = live();
    for (const c of extra) c.close();
    await eventually(async () => (await ctxB.services.chat.activeConnections()) === withExtra - 3, 'the count going down');
  });
});
