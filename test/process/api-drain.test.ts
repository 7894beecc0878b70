// SIGTERM of the real api process under keep-alive load: it stops accepting, answers what is in flight with
// `Connection: close`, serves nothing new on the open connections, writes the buffered views and exits 0.
import crypto from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { actor, call, createBoard, startSuite, type Actor, type Suite } from '../boards/setup.js';
import { recordTiming, startApiProcess, type ApiProcess } from '../helpers/api-process.js';
import { waitFor } from '../helpers/wait.js';

const CLIENTS = 10;
/** A download big enough to stay in progress while its reader is paused (beyond the sockets' buffers). */
const BIG = Buffer.from('a line of a large attachment\n'.repeat(300_000));

interface Sent {
  client: number;
  kind: 'view' | 'comment';
  content?: string;
  issuedAt: number;
  status?: number;
  connection?: string;
  /** The response began (status line received). */
  responded: boolean;
  /** The whole body arrived. */
  complete: boolean;
  error?: string;
  reusedSocket?: boolean;
}

function send(agent: http.Agent, url: string, token: string, client: number, kind: Sent['kind'], content?: string): Promise<Sent> {
  const rec: Sent = { client, kind, content, issuedAt: Date.now(), responded: false, complete: false };
  const body = kind === 'comment' ? JSON.stringify({ content }) : undefined;
  return new Promise((resolve) => {
    const req = http.request(url, {
      agent,
      method: kind === 'comment' ? 'POST' : 'GET',
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}) },
    });
    req.on('response', (res) => {
      rec.responded = true;
      rec.status = res.statusCode;
      rec.connection = res.headers.connection;
      res.resume();
      res.on('end', () => {
        rec.complete = !res.aborted;
        resolve(rec);
      });
      res.on('error', (e: NodeJS.ErrnoException) => {
        rec.error = e.code ?? e.message;
        resolve(rec);
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      rec.error = e.code ?? e.message;
      rec.reusedSocket = req.reusedSocket;
      resolve(rec);
    });
    req.end(body);
  });
}

describe('api SIGTERM under keep-alive load', () => {
  let s: Suite;
  let users: Actor[];
  let postId: number;
  let fileUrl: string;

  beforeAll(async () => {
    s = await startSuite();
    const admin = await actor(s.t, s.app, 'admin');
    const board = await createBoard(s.app, admin);
    const post = await call(s.app, admin, 'post', `/boards/${board.id}/posts`, { name: 'drain', content: 'under load' });
    expect(post.status).toBe(201);
    postId = post.body.id as number;
    users = [];
    for (let i = 0; i < CLIENTS; i++) users.push(await actor(s.t, s.app));
    const withFile = await request(s.app)
      .post(`/api/v1/boards/${board.id}/posts`)
      .set('Authorization', `Bearer ${admin.token}`)
      .field('name', 'big file')
      .field('content', 'download me')
      .attach('files', BIG, { filename: 'big.txt', contentType: 'text/plain' });
    expect(withFile.status).toBe(201);
    fileUrl = (withFile.body as { files: { url: string }[] }).files[0].url;
  });
  afterAll(() => s.t.cleanup());

  it('drains: in-flight requests complete, open connections close, views are flushed, exit 0', async () => {
    // views are written only by the flush on shutdown
    const api: ApiProcess = await startApiProcess({ ...s.t.env, VIEW_FLUSH_INTERVAL_MS: '3600000', SHUTDOWN_TIMEOUT_MS: '15000' });
    const sent: Sent[] = [];
    let exited = false;
    void api.exited.then(() => (exited = true));
    try {
      const boardId = (await s.t.ctx.prisma.post.findUniqueOrThrow({ where: { id: postId } })).boardId;
      const loops = users.map(async (u, client) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
          for (let n = 0; !exited; n++) {
            const r =
              n % 2 === 0
                ? await send(agent, `${api.url}/api/v1/boards/${boardId}/posts/${postId}`, u.token, client, 'view')
                : await send(agent, `${api.url}/api/v1/posts/${postId}/comments`, u.token, client, 'comment', `c${client}-${n}`);
            sent.push(r);
            if (r.error === 'ECONNREFUSED') break;
          }
        } finally {
          agent.destroy();
        }
      });
      // every client is busy on its keep-alive connection
      await waitFor('every client to be served five times', () => users.every((_, c) => sent.filter((r) => r.client === c && r.status).length >= 5), 60_000);
      const signalledAt = Date.now();
      api.child.kill('SIGTERM');
      const { code, signal } = await api.exited;
      const exitedAt = Date.now();
      await Promise.all(loops);

      expect({ code, signal }).toEqual({ code: 0, signal: null });
      const logs = api.logs();
      expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
      expect(logs.map((l) => l.msg)).not.toContain('shutdown took too long, exiting');
      const drainStart = Date.parse(logs.find((l) => l.msg === 'shutting down')!.time);

      // every request that reached the api got its whole answer: none was cut mid-response
      expect(sent.filter((r) => r.responded && (!r.complete || r.error))).toEqual([]);
      expect(sent.filter((r) => r.responded && r.status !== 200 && r.status !== 201)).toEqual([]);
      // no connection was reset: the only failures are new connections refused once the api stopped listening
      const failed = sent.filter((r) => r.error);
      expect(failed.filter((r) => r.error !== 'ECONNREFUSED')).toEqual([]);
      // nothing new was served on an open connection after the drain began: a request sent after it got at
      // most one answer per client, carrying `Connection: close`
      const late = sent.filter((r) => r.issuedAt > drainStart && r.responded);
      expect(late.filter((r) => r.connection !== 'close')).toEqual([]);
      for (let c = 0; c < CLIENTS; c++) expect(late.filter((r) => r.client === c).length).toBeLessThanOrEqual(1);

      // writes: exactly the comments that were answered 201 exist, none of those that failed
      const stored = new Set((await s.t.ctx.prisma.comment.findMany({ where: { postId }, select: { content: true } })).map((c) => c.content));
      const created = sent.filter((r) => r.kind === 'comment' && r.status === 201).map((r) => r.content!);
      expect(stored.size).toBe(created.length);
      for (const content of created) expect(stored.has(content)).toBe(true);
      for (const r of failed.filter((f) => f.kind === 'comment')) expect(stored.has(r.content!)).toBe(false);
      // views: every client that was served a read counts once (one viewer each), all written by the final flush
      const viewers = new Set(sent.filter((r) => r.kind === 'view' && r.status === 200).map((r) => r.client)).size;
      expect((await s.t.ctx.prisma.post.findUniqueOrThrow({ where: { id: postId } })).numberOfView).toBe(viewers);

      recordTiming('api-sigterm-drain', {
        clients: CLIENTS,
        requests: sent.length,
        servedAfterSignal: sent.filter((r) => r.issuedAt > signalledAt && r.responded).length,
        refused: failed.length,
        signalToExitMs: exitedAt - signalledAt,
      });
    } finally {
      api.child.kill('SIGKILL');
    }
  }, 120_000);

  it('a download in progress at SIGTERM completes in full, then its connection closes and the api exits 0', async () => {
    const api: ApiProcess = await startApiProcess({ ...s.t.env, SHUTDOWN_TIMEOUT_MS: '15000' });
    try {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
        http.get(`${api.url}${fileUrl}`, { agent, headers: { Authorization: `Bearer ${users[0].token}` } }, resolve).on('error', reject),
      );
      // the headers went out before the signal, promising keep-alive; the body is still on its way
      res.pause();
      expect(res.headers.connection).toBe('keep-alive');
      const socketClosed = new Promise<void>((resolve) => res.socket.once('close', () => resolve()));
      const signalledAt = Date.now();
      api.child.kill('SIGTERM');
      // read slowly at first: the response may end after the idle connections were closed
      await new Promise((r) => setTimeout(r, 1500));
      const hash = crypto.createHash('sha256');
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      res.resume();
      await new Promise<void>((resolve, reject) => {
        res.once('end', resolve);
        res.once('error', reject);
      });
      expect(bytes).toBe(BIG.length);
      expect(hash.digest('hex')).toBe(crypto.createHash('sha256').update(BIG).digest('hex'));
      // the api closes the connection once the response ended instead of keeping it for keep-alive: the agent's
      // next request finds no connection to reuse (refused, or the closing socket hangs up), and is never served
      const next = await new Promise<{ status?: number; error?: string }>((resolve) =>
        http
          .get(`${api.url}/healthz`, { agent }, (r) => {
            r.resume();
            resolve({ status: r.statusCode });
          })
          .on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message })),
      );
      expect(next.status).toBeUndefined();
      expect(next.error).toMatch(/^(ECONNREFUSED|ECONNRESET|EPIPE|socket hang up)$/);
      await socketClosed;
      expect(await api.exited).toEqual({ code: 0, signal: null });
      expect(api.logs().map((l) => l.msg)).not.toContain('closing connections still busy at shutdown');
      recordTiming('api-sigterm-download', { bytes, signalToExitMs: Date.now() - signalledAt });
      agent.destroy();
    } finally {
      api.child.kill('SIGKILL');
    }
  }, 120_000);
});
