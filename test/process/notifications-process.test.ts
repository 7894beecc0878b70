// Notifications across processes: the real ai-worker process (which also runs the notification consumer) fans
// events out; this process runs the api app and a chat replica on the same database and Redis prefix. A comment
// written through the api reaches its post author's socket on the chat replica and their SSE stream; a training
// and a prediction finished by the worker notify the admin and the member who asked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startChat, type RunningChat } from '../../src/chat/server.js';
import { aiName, killWorkerProcesses, startAiSuite, startWorkerProcess, trained, waitFor, type AiSuite } from '../ai/helpers.js';
import { call, createBoard, type Actor } from '../boards/setup.js';
import { Client, ticketFor, type Frame } from '../chat/helpers.js';
import { API } from '../helpers/auth.js';
import { testProvider } from '../helpers/db.js';
import { processTimeoutMs } from '../helpers/process.js';
import { createComment, createPost } from '../posts/helpers.js';

let s: AiSuite;
let chat: RunningChat;
let server: http.Server;
const clients: Client[] = [];

beforeAll(async () => {
  s = await startAiSuite({ LOGIN_RATE_LIMIT_IP: '100000' }, { worker: false });
  chat = await startChat(s.t.ctx, 0, '127.0.0.1');
  server = http.createServer(s.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  startWorkerProcess(s);
}, processTimeoutMs);

afterAll(async () => {
  for (const c of clients) c.close();
  await killWorkerProcesses();
  await new Promise((r) => server?.close(r));
  await chat?.stop();
  await s?.cleanup();
});

async function socketOf(who: Actor): Promise<Client> {
  const c = await Client.open(`ws://127.0.0.1:${chat.port}/ws`, await ticketFor(s.app, who));
  clients.push(c);
  return c;
}

/** Reads SSE events of GET /notifications/events as `who` until `until` holds; returns them. */
async function sse(who: Actor, started: () => Promise<unknown>, until: (events: { event: string; data: unknown }[]) => boolean) {
  const { port } = server.address() as AddressInfo;
  const ctrl = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}${API}/notifications/events`, { headers: { Authorization: `Bearer ${who.token}` }, signal: ctrl.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  const events: { event: string; data: unknown }[] = [];
  let buf = '';
  let kicked = false;
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += Buffer.from(value).toString('utf8');
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
      if (!kicked && events.some((e) => e.event === 'unread')) {
        kicked = true;
        await started();
      }
    }
  } finally {
    ctrl.abort();
  }
  return events;
}

describe(`notifications across processes (${testProvider})`, () => {
  it(
    'a comment reaches the post author’s socket on the chat replica and their SSE stream, from the worker process',
    async () => {
      const [author, commenter] = [s.member, s.other];
      const board = await createBoard(s.app, s.admin);
      const post = await createPost(s.app, author, board.id, { name: 'from afar' });
      const socket = await socketOf(author);

      let commentId = 0;
      const events = await sse(
        author,
        async () => (commentId = (await createComment(s.app, commenter, post.id, 'hello')).id),
        (evs) => evs.some((e) => e.event === 'notification'),
      );
      expect(events[0]).toEqual({ event: 'unread', data: { unreadCount: 0 } });
      const pushed = events.find((e) => e.event === 'notification')!.data as { notification: { id: number; target: unknown; text: string }; unreadCount: number };
      expect(pushed.notification.target).toEqual({ type: 'comment', id: commentId });
      expect(pushed.notification.text).toBe(`${commenter.name} commented on your post “from afar”`);
      expect(pushed.unreadCount).toBe(1);

      const frame = await socket.next((f: Frame) => f.type === 'notification', 'the notification frame', processTimeoutMs);
      expect(frame).toMatchObject({ v: 1, type: 'notification', unreadCount: 1, notification: { id: pushed.notification.id, type: 'comment' } });
    },
    2 * processTimeoutMs,
  );

  it(
    'a finished training tells the admin who asked, and a finished prediction the member who asked',
    async () => {
      const created = await call(s.app, s.admin, 'post', '/ais', { name: aiName() });
      expect(created.status).toBe(202);
      const ai = await trained(s, created.body.id as number, processTimeoutMs);
      expect(ai.status).toBe('succeeded');
      const adminNote = await waitFor(
        'the training notification',
        async () => ((await call(s.app, s.admin, 'get', '/notifications')).body.items as { type: string; text: string; target: unknown }[]).find((i) => i.type === 'training'),
        processTimeoutMs,
      );
      expect(adminNote).toMatchObject({ target: { type: 'ai', id: ai.id }, text: `The training of “${ai.name}” finished` });

      const socket = await socketOf(s.member);
      const asked = await call(s.app, s.member, 'post', `/ais/${ai.id}/ailogs`, { input: [1, 2, 3, 4, 5, 6, 7, 8] });
      expect(asked.status).toBe(202);
      const frame = await socket.next((f: Frame) => f.type === 'notification' && (f.notification as { type: string }).type === 'prediction', 'the prediction notification', processTimeoutMs);
      expect(frame.notification).toMatchObject({ target: { type: 'ailog', id: asked.body.id }, data: { status: 'succeeded', aiId: ai.id } });
      // nobody else is told
      const others = (await call(s.app, s.other, 'get', '/notifications')).body.items as { type: string }[];
      expect(others.filter((i) => i.type === 'prediction')).toEqual([]);
    },
    3 * processTimeoutMs,
  );
});
