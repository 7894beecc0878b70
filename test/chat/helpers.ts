// Shared by the chat suites: a real api app and a real chat server (uWebSockets.js on port 0) on one test context,
// tickets through the real API, and a `ws` client that records every frame and waits for the ones a test expects.
import { expect } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import WebSocket from 'ws';
import { buildApp } from '../../src/app.js';
import { startChat, type RunningChat } from '../../src/chat/server.js';
import { API } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actor, call, type Actor } from '../boards/setup.js';

export { actor, call, type Actor };

export interface ChatSuite {
  t: TestContext;
  app: Express;
  chat: RunningChat;
  url: string;
}

export async function startChatSuite(extraEnv: Record<string, string> = {}): Promise<ChatSuite> {
  const t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000', CHAT_SEND_RATE_PER_SECOND: '100000', CHAT_SEND_BURST: '100000', ...extraEnv });
  const app = buildApp(t.ctx);
  const chat = await startChat(t.ctx, 0, '127.0.0.1');
  return { t, app, chat, url: `ws://127.0.0.1:${chat.port}/ws` };
}

export async function ticketFor(app: Express, who: Actor): Promise<string> {
  const res = await request(app).post(`${API}/auth/ws-ticket`).set('Authorization', `Bearer ${who.token}`);
  expect(res.status).toBe(200);
  return res.body.ticket as string;
}

export interface Session {
  id: number;
  name: string;
  creatorId: number;
  isClosed: boolean;
  isVisible: boolean;
  memberCount: number;
}

export async function createSession(app: Express, who: Actor, body: { name?: string; information?: string; userIds?: number[] } = {}): Promise<Session> {
  const res = await call(app, who, 'post', '/chat-sessions', { name: `room-${Math.random().toString(36).slice(2, 8)}`, ...body });
  expect(res.status).toBe(201);
  return res.body as Session;
}

export type Frame = Record<string, unknown> & { v: number; type: string };

/** A `ws` client that keeps every frame it receives, in order. */
export class Client {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private seen = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const f = JSON.parse(isBinary ? '{}' : (data as Buffer).toString('utf8')) as Frame;
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(f)) return true;
        w.resolve(f);
        return false;
      });
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
  }

  static open(url: string, ticket: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url}?ticket=${encodeURIComponent(ticket)}`);
      const client = new Client(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ v: 1, ...frame }));
  }

  sendRaw(text: string | Buffer): void {
    this.ws.send(text);
  }

  /** The first frame (received before or after the call) matching, or a rejection after `timeoutMs`. */
  next(match: (f: Frame) => boolean, what = 'a matching frame', timeoutMs = 20_000): Promise<Frame> {
    const already = this.frames.find(match);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Frames of a type received from now on (ignores older ones). */
  mark(): void {
    this.seen = this.frames.length;
  }

  since(type?: string): Frame[] {
    return this.frames.slice(this.seen).filter((f) => !type || f.type === type);
  }

  of(type: string, extra: (f: Frame) => boolean = () => true): Frame[] {
    return this.frames.filter((f) => f.type === type && extra(f));
  }

  async join(sessionId: number): Promise<Frame> {
    this.send({ type: 'join', sessionId });
    return this.next((f) => (f.type === 'joined' || f.type === 'error') && f.sessionId === sessionId, `joined ${sessionId}`);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }
}

export async function connectAs(suite: Pick<ChatSuite, 'app' | 'url'>, who: Actor): Promise<Client> {
  return Client.open(suite.url, await ticketFor(suite.app, who));
}

/** Resolves when `cond` holds (polled), or rejects after `timeoutMs`. */
export async function eventually(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

/** A raw WebSocket handshake: the HTTP answer when the server refuses to upgrade. */
export function refusedUpgrade(url: string): Promise<{ status: number; body: Record<string, unknown>; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body || '{}') as Record<string, unknown>, contentType: res.headers['content-type'] }));
      res.on('error', reject);
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error('the upgrade was accepted'));
    });
    ws.on('error', reject);
  });
}
