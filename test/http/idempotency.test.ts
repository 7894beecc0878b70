// Idempotency-Key on the create POSTs (src/http/idempotency.ts), with real Redis: a retry with the same key gets
// the first answer and creates nothing; the same key for another request is a 422; while the first request still
// runs (an upload whose body has not all arrived), a 409; keys belong to their user; and the OpenAPI document
// declares the header once and refers to it from exactly the create operations.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { redisKeys } from '../../src/platform/keys.js';
import { API } from '../helpers/auth.js';
import { waitFor } from '../helpers/wait.js';
import { actor, boardName, call, createBoard, startSuite, type Actor, type Suite } from '../boards/setup.js';

let s: Suite;
let admin: Actor;
let member: Actor;
let server: http.Server;

beforeAll(async () => {
  s = await startSuite();
  admin = await actor(s.t, s.app, 'admin');
  member = await actor(s.t, s.app);
  server = http.createServer(s.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await s.t.cleanup();
});

const withKey = (who: Actor, path: string, key: string, body: object) => call(s.app, who, 'post', path, body).set('Idempotency-Key', key);

describe('Idempotency-Key', () => {
  it('answers a retry with the first answer and creates nothing more', async () => {
    const name = boardName();
    const first = await withKey(admin, '/boards', 'board-key-1', { name });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await withKey(admin, '/boards', 'board-key-1', { name });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.body).toEqual(first.body);
    expect(await s.t.ctx.prisma.board.count({ where: { name } })).toBe(1);
    // without the header, the same body is a new request (here: a name already taken)
    expect((await call(s.app, admin, 'post', '/boards', { name })).status).toBe(409);
  });

  it('replays Location too, and keeps keys apart per user', async () => {
    const board = await createBoard(s.app, admin);
    const body = { name: 'retried', content: 'sent twice' };
    const first = await withKey(member, `/boards/${board.id}/posts`, 'shared-key', body);
    expect(first.status).toBe(201);
    const again = await withKey(member, `/boards/${board.id}/posts`, 'shared-key', body);
    expect(again.status).toBe(201);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.body).toEqual(first.body);
    // another user's key of the same value is theirs
    const other = await withKey(admin, `/boards/${board.id}/posts`, 'shared-key', body);
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
    expect(await s.t.ctx.prisma.post.count({ where: { boardId: board.id } })).toBe(2);
  });

  it('refuses the same key for a different request (422 idempotency_key_reused)', async () => {
    const session = await withKey(member, '/chat-sessions', 'session-key', { name: 'first room' });
    expect(session.status).toBe(201);
    for (const res of [await withKey(member, '/chat-sessions', 'session-key', { name: 'another room' }), await withKey(member, '/boards', 'session-key', { name: boardName() })]) {
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
    }
    expect(await s.t.ctx.prisma.chatSession.count({ where: { creatorId: member.id } })).toBe(1);
  });

  it('refuses a key that is not 1-255 visible ASCII characters (400)', async () => {
    for (const key of ['x'.repeat(256), 'with space']) {
      const res = await withKey(member, '/chat-sessions', key, { name: 'room' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'Idempotency-Key', in: 'headers' }] });
    }
  });

  it('answers 409 idempotency_key_in_flight while the first request still runs, then the first answer', async () => {
    const board = await createBoard(s.app, admin);
    const boundary = 'agora-idem-boundary';
    const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const head = part('name', 'uploaded once') + part('content', 'with a file') + `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n`;
    const tail = `file body\r\n--${boundary}--\r\n`;
    const total = Buffer.byteLength(head) + Buffer.byteLength(tail);
    const { port } = server.address() as AddressInfo;
    const headers = {
      Authorization: `Bearer ${member.token}`,
      'Idempotency-Key': 'upload-key',
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
      'Content-Length': String(total),
    };
    let inFlight: () => void = () => undefined;
    // the first request: its body stops half-way, so its handler is still reading the upload
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: `${API}/boards/${board.id}/posts`, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(head);
      inFlight = () => req.end(tail);
    });
    // once the first has claimed the key, the same request again, complete this time
    const claim = redisKeys.idempotency(member.id, crypto.createHash('sha256').update('upload-key').digest('hex'));
    await waitFor('the first request to claim the key', async () => (await s.t.ctx.redis.get(claim))?.includes('"pending"'));
    const second = await call(s.app, member, 'post', `/boards/${board.id}/posts`)
      .set(headers)
      .send(head + tail);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'idempotency_key_in_flight' });
    inFlight();
    const first = await answer;
    expect(first.status).toBe(201);
    const replayed = await call(s.app, member, 'post', `/boards/${board.id}/posts`)
      .set(headers)
      .send(head + tail);
    expect(replayed.status).toBe(201);
    expect(replayed.body).toEqual(JSON.parse(first.body));
    expect(await s.t.ctx.prisma.post.count({ where: { boardId: board.id } })).toBe(1);
  });

  it('is declared once in the OpenAPI document and used by exactly the create operations', async () => {
    const doc = (await request(s.app).get('/openapi.json')).body as {
      components: { parameters: Record<string, { name: string; in: string }> };
      paths: Record<string, Record<string, { operationId: string; parameters?: { $ref?: string }[]; responses: Record<string, unknown> }>>;
    };
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({ name: 'Idempotency-Key', in: 'header', required: false });
    const using = Object.values(doc.paths)
      .flatMap((ops) => Object.values(ops))
      .filter((op) => op.parameters?.some((p) => p.$ref === '#/components/parameters/IdempotencyKey'));
    expect(using.map((op) => op.operationId).sort()).toEqual(['createAi', 'createBoard', 'createChatSession', 'createComment', 'createPost', 'predict']);
    for (const op of using) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['409', '422']));
  });
});
