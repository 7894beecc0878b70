import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startChat, type RunningChat } from '../../src/chat/server.js';
import { assertNativeUws, isNativeUws } from '../../src/chat/uws.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

/** A raw WebSocket handshake: resolves with the kind of answer and, for a plain response, its status and body. */
function upgradeRequest(port: number, path: string): Promise<{ kind: 'upgrade' | 'response'; status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version': '13',
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ kind: 'upgrade', status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

describe('chat server', () => {
  let t: TestContext;
  let chat: RunningChat;
  let base: string;

  beforeAll(async () => {
    t = await createTestContext();
    chat = await startChat(t.ctx, 0, '127.0.0.1');
    base = `http://127.0.0.1:${chat.port}`;
  });

  afterAll(async () => {
    await chat?.stop();
    await t?.cleanup();
  });

  it('runs on the native uWebSockets.js binary, not the JavaScript fallback', () => {
    const uws = assertNativeUws();
    expect(isNativeUws(uws)).toBe(true);
    expect(typeof uws.SSLApp).toBe('function');
  });

  it('listens on the actual port when asked for port 0', () => {
    expect(chat.port).toBeGreaterThan(0);
    expect(chat.port).not.toBe(t.ctx.config.chatPort);
  });

  it('answers GET /healthz with 200 {"status":"ok"}', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('refuses /metrics when METRICS_TOKEN is not set: 403 metrics_disabled, from loopback too, with or without a token', async () => {
    for (const headers of [{}, { Authorization: 'Bearer anything-at-all-0123456789' }] as Record<string, string>[]) {
      const res = await fetch(`${base}/metrics`, { headers });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ type: 'urn:agora:problem:metrics_disabled', status: 403, code: 'metrics_disabled' });
      expect(JSON.stringify(body)).not.toContain('agora_chat');
    }
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'urn:agora:problem:not_found', title: 'Not Found', status: 404, code: 'not_found' });
    expect(body.detail).toBe('No route matches GET /nope.');
  });

  it('refuses a WebSocket upgrade to /ws without a ticket with 401 problem+json and opens no socket', async () => {
    const r = await upgradeRequest(chat.port, '/ws');
    expect(r.kind).toBe('response');
    expect(r.status).toBe(401);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(r.body)).toEqual({
      type: 'urn:agora:problem:unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'A chat ticket is required.',
      code: 'unauthorized',
    });
  });

  it('refuses a WebSocket upgrade to any other path with 404', async () => {
    const r = await upgradeRequest(chat.port, '/elsewhere');
    expect(r.kind).toBe('response');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'not_found' });
  });

  it('stops listening on stop(): new connections are refused', async () => {
    await connect(chat.port); // accepted while running
    await chat.stop();
    await expect(connect(chat.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    await chat.stop(); // a second stop is harmless
  });
});
