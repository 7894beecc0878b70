// Messages that cannot be stored (the table is renamed away: every insert fails, as on a full disk): each sender gets its
// `write_failed` error, and the log gets the first failure in full, then summaries with counts per
// CHAT_WRITE_FAILURE_LOG_INTERVAL_MS, not one line per frame. Once writes work again, so does sending.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { buildApp } from '../../src/app.js';
import { startChat, type RunningChat } from '../../src/chat/server.js';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { createLogger } from '../../src/platform/logger.js';
import { deleteRedisPrefix, testEnv, type TestContext } from '../helpers/context.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { actor, Client, createSession, eventually, ticketFor } from './helpers.js';

interface LogLine {
  level: number;
  msg: string;
  err?: { message: string };
  failures?: number;
  clientMsgId?: string;
  lastError?: string;
}

const MSG = 'chat message could not be stored';
let db: TestDatabase;
let ctx: Context;
let app: Express;
let chat: RunningChat;
const lines: LogLine[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  const env = testEnv(db, { LOG_LEVEL: 'info', LOGIN_RATE_LIMIT_IP: '100000', CHAT_SEND_RATE_PER_SECOND: '100000', CHAT_SEND_BURST: '100000', CHAT_WRITE_FAILURE_LOG_INTERVAL_MS: '300' });
  const config = loadConfig(env);
  const logger = createLogger(config, 'test', { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  ctx = await createContext(config, { service: 'test', logger });
  app = buildApp(ctx);
  chat = await startChat(ctx, 0, '127.0.0.1');
});

afterAll(async () => {
  for (const c of clients) c.close();
  await chat?.stop();
  await ctx?.close();
  if (ctx) await deleteRedisPrefix(ctx.config, ctx.config.redisPrefix);
  await db?.drop();
  if (ctx) fs.rmSync(path.dirname(ctx.config.uploadsDir), { recursive: true, force: true });
});

const failing = () => lines.filter((l) => l.msg.startsWith(MSG));

describe('chat write failures', () => {
  it('logs the first failure in full, then a count per interval', async () => {
    const t = { ctx } as TestContext;
    const alice = await actor(t, app);
    const room = await createSession(app, alice);
    const a = await Client.open(`ws://127.0.0.1:${chat.port}/ws`, await ticketFor(app, alice));
    clients.push(a);
    await a.join(room.id);
    // the table goes away behind the server's back: every insert fails (as on a full disk), and not for a reason of its own
    await ctx.prisma.$executeRawUnsafe('ALTER TABLE chat_messages RENAME TO chat_messages_away');
    a.send({ type: 'send', sessionId: room.id, clientMsgId: 'first', content: 'x' });
    expect(await a.next((f) => f.clientMsgId === 'first', 'answer to first')).toMatchObject({ type: 'error', code: 'write_failed' });
    expect(failing()).toHaveLength(1);
    expect(failing()[0]).toMatchObject({ level: 50, msg: MSG, clientMsgId: 'first', sessionId: room.id, err: expect.anything() });

    const n = 40;
    for (let i = 0; i < n; i++) a.send({ type: 'send', sessionId: room.id, clientMsgId: `m${i}`, content: 'x' });
    await eventually(() => a.of('error', (f) => f.code === 'write_failed').length === n + 1, 'every send failed');
    // the rest come as counts, in one summary or a few (one per interval), never as a line each; a burst that
    // starts after a quiet interval opens with a full line again
    const counted = () => failing().reduce((sum, l) => sum + (l.err ? 1 : (l.failures ?? 0)), 0);
    await eventually(() => counted() === n + 1, 'the log accounts for every failure', 30_000);
    expect(failing().length).toBeLessThan(n / 2);
    for (const l of failing().slice(1)) {
      if (l.err) expect(l).toMatchObject({ level: 50, msg: MSG, clientMsgId: expect.stringMatching(/^m\d+$/) });
      else expect(l).toMatchObject({ level: 50, failures: expect.any(Number), lastError: expect.any(String) });
    }
    expect(failing().filter((l) => !l.err).length).toBeGreaterThanOrEqual(1);
    await ctx.prisma.$executeRawUnsafe('ALTER TABLE chat_messages_away RENAME TO chat_messages');
    // once the store takes writes again, a resend of a failed message is stored, without a restart
    a.send({ type: 'send', sessionId: room.id, clientMsgId: 'first', content: 'x' });
    const ack = await a.next((f) => f.type === 'ack' && f.clientMsgId === 'first', 'ack after recovery');
    expect(await ctx.prisma.chatMessage.findUnique({ where: { id: ack.id as number } })).toMatchObject({ clientMsgId: 'first' });
  });
});
