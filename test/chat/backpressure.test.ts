// Backpressure and shutdown over real sockets: a client that stops reading is cut off (4008, counted) once its
// unsent bytes pass CHAT_MAX_BACKPRESSURE_BYTES while the others keep receiving everything; a graceful stop
// writes and acknowledges what was accepted before closing the sockets with 1001.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testProvider } from '../helpers/db.js';
import type { Client } from './helpers.js';
import { actor, connectAs, createSession, eventually, refusedUpgrade, startChatSuite, ticketFor, type Actor, type ChatSuite } from './helpers.js';

describe(`slow consumers (${testProvider})`, () => {
  let s: ChatSuite;
  let alice: Actor;
  let bob: Actor;
  let carol: Actor;
  const clients: Client[] = [];

  beforeAll(async () => {
    // typing neither coalesced nor rate-limited here: every typing frame is fanned out
    s = await startChatSuite({
      CHAT_MAX_BACKPRESSURE_BYTES: '65536',
      CHAT_MAX_MESSAGE_LENGTH: '60000',
      CHAT_MAX_PAYLOAD_BYTES: '131072',
      CHAT_TYPING_INTERVAL_MS: '0',
      CHAT_FRAME_RATE_PER_SECOND: '10000000',
      CHAT_FRAME_BURST: '10000000',
    });
    alice = await actor(s.t, s.app);
    bob = await actor(s.t, s.app);
    carol = await actor(s.t, s.app);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await s?.chat.stop();
    await s?.t.cleanup();
  });

  it('cuts off a socket that stops reading (4008) while the others keep receiving every message', async () => {
    const room = await createSession(s.app, alice, { userIds: [bob.id, carol.id] });
    const sender = await connectAs(s, alice);
    const fast = await connectAs(s, bob);
    const slow = await connectAs(s, carol);
    clients.push(sender, fast, slow);
    for (const c of [sender, fast, slow]) await c.join(room.id);
    slow.ws.pause(); // stops reading: the kernel buffers fill, then the server's
    const big = 'x'.repeat(50_000);
    let sent = 0;
    // send until the server has dropped the slow socket (bounded: the kernel buffers hold a few MB at most)
    while (sent < 600 && (await s.chat.metrics.slowConsumersDropped.get()).values[0].value === 0) {
      for (let i = 0; i < 20; i++) sender.send({ type: 'send', sessionId: room.id, clientMsgId: `big${sent++}`, content: big });
      await eventually(() => fast.of('message').length === sent, `${sent} messages at the fast reader`, 20_000);
    }
    expect((await s.chat.metrics.slowConsumersDropped.get()).values[0].value).toBe(1);
    // the others go on
    sender.send({ type: 'send', sessionId: room.id, clientMsgId: 'after', content: 'still flowing' });
    await fast.next((f) => f.type === 'message' && f.clientMsgId === 'after', 'after');
    expect(fast.of('message')).toHaveLength(sent + 1);
    expect(new Set(fast.of('message').map((f) => f.id)).size).toBe(sent + 1);
    expect(await s.t.ctx.prisma.chatMessage.count({ where: { sessionId: room.id } })).toBe(sent + 1);
    // the slow one, once it reads again, finds the close frame behind what was buffered for it
    slow.ws.resume();
    expect(await slow.closed).toMatchObject({ code: 4008, reason: 'slow consumer' });
    expect(slow.of('message').length).toBeLessThan(sent + 1);
  }, 120_000);

  it('cuts off sockets that stop reading when the fan-out is typing frames (4008, counted)', async () => {
    // one member with ten sockets joined to their own session that stop reading, an eleventh that types in a loop
    const dave = await actor(s.t, s.app);
    const room = await createSession(s.app, dave, { userIds: [bob.id] });
    const readers: Client[] = [];
    for (let i = 0; i < 10; i++) readers.push(await connectAs(s, dave));
    const typist = await connectAs(s, dave);
    const watcher = await connectAs(s, bob); // keeps reading: tells when the server has fanned out what was typed
    clients.push(...readers, typist, watcher);
    for (const c of [...readers, typist, watcher]) await c.join(room.id);
    for (const r of readers) r.ws.pause();
    const dropped = async () => (await s.chat.metrics.slowConsumersDropped.get()).values[0].value;
    const before = await dropped();
    let typed = 0;
    // bounded: the kernel holds a few MB per socket at most (~85,000 typing frames of ~50 bytes here)
    while (typed < 300_000 && (await dropped()) < before + readers.length) {
      for (let i = 0; i < 2_000; i++) typist.send({ type: 'typing', sessionId: room.id });
      typed += 2_000;
      await eventually(() => watcher.of('typing').length === typed, `${typed} typing frames at the watcher`, 30_000);
    }
    expect(await dropped()).toBe(before + readers.length);
    for (const r of readers) r.ws.resume();
    for (const r of readers) expect(await r.closed).toMatchObject({ code: 4008, reason: 'slow consumer' });
    // the typist and the watcher are still connected
    typist.send({ type: 'ping', ref: 'still-here' });
    await typist.next((f) => f.type === 'pong' && f.ref === 'still-here', 'pong');
    expect(watcher.ws.readyState).toBe(watcher.ws.OPEN);
  }, 240_000);
});

describe('graceful shutdown', () => {
  let s: ChatSuite;
  let alice: Actor;

  beforeAll(async () => {
    // a long group-commit window: the message is still pending when stop() is called
    s = await startChatSuite({ CHAT_FLUSH_INTERVAL_MS: '1000' });
    alice = await actor(s.t, s.app);
  });

  afterAll(async () => {
    await s?.chat.stop();
    await s?.t.cleanup();
  });

  it('writes and acknowledges pending messages, then closes every socket with 1001 and refuses new ones', async () => {
    const room = await createSession(s.app, alice);
    const c = await connectAs(s, alice);
    await c.join(room.id);
    const ticket = await ticketFor(s.app, alice);
    // The premise: a message still waiting for its group commit when stop() is called. The window is 1 s (the
    // longest CHAT_FLUSH_INTERVAL_MS): should a busy machine take longer between the message's arrival and the
    // check, the message is written already, and another one is tried.
    const sends = async () => (await s.chat.metrics.messagesIn.get()).values.find((v) => v.labels.type === 'send')?.value ?? 0;
    let pending: string | null = null;
    for (let i = 0; !pending; i++) {
      expect(i).toBeLessThan(10);
      const clientMsgId = `last-words-${i}`;
      c.send({ type: 'send', sessionId: room.id, clientMsgId, content: 'written before the end' });
      await eventually(async () => (await sends()) === i + 1, 'the send to arrive');
      if ((await s.t.ctx.prisma.chatMessage.count({ where: { sessionId: room.id, clientMsgId } })) === 0) pending = clientMsgId;
    }
    await s.chat.stop();
    const ack = await c.next((f) => f.type === 'ack' && f.clientMsgId === pending, 'ack');
    expect(await c.closed).toMatchObject({ code: 1001 });
    // the ack came before the close frame, and the row is there
    expect(c.frames.findIndex((f) => f.type === 'ack')).toBeGreaterThan(-1);
    expect(await s.t.ctx.prisma.chatMessage.findUnique({ where: { id: ack.id as number } })).toMatchObject({ content: 'written before the end' });
    await expect(refusedUpgrade(`ws://127.0.0.1:${s.chat.port}/ws?ticket=${ticket}`)).rejects.toThrow();
  });
});
