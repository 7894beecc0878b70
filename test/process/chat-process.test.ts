import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { CHAT_NODE_FLAGS } from '../../src/chat/node-flags.js';
import { projectRoot } from '../../src/platform/paths.js';
import { createTestContext, deleteRedisPrefix, redisUrl, testEnv } from '../helpers/context.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { exitOf, freePort, processTimeoutMs, waitForHttp } from '../helpers/process.js';

const prefixes: string[] = [];
const children: ChildProcess[] = [];

/** Opens a chat socket with a ticket, checks that it answers a ping, and returns it. */
function openSocket(port: number, ticket: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?ticket=${ticket}`);
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`closed with ${code} before the pong`)));
    ws.once('open', () => ws.send(JSON.stringify({ v: 1, type: 'ping', ref: 'p' })));
    ws.once('message', (data: Buffer) => {
      if ((JSON.parse(data.toString('utf8')) as { type: string }).type === 'pong') resolve(ws);
      else reject(new Error(`unexpected frame ${data.toString('utf8')}`));
    });
  });
}

/**
 * `node [flags] --import tsx src/chat/main.ts` on the test database (or on the environment of a test context,
 * `baseEnv`); its stdout and stderr collected.
 */
function startChatProcess(db: TestDatabase, env: Record<string, string>, flags: readonly string[] = CHAT_NODE_FLAGS, baseEnv?: Record<string, string>) {
  const processEnv = baseEnv ? { ...baseEnv, LOG_LEVEL: 'info', ...env } : testEnv(db, { LOG_LEVEL: 'info', ...env });
  prefixes.push(processEnv.REDIS_PREFIX);
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'src/chat/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...processEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

describe('chat process', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await freshDatabase();
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => exitOf(c)));
    for (const prefix of prefixes) await deleteRedisPrefix({ redisUrl }, prefix);
    await db?.drop();
  });

  it(
    'serves /healthz on CHAT_PORT and exits 0 on SIGTERM',
    async () => {
      const port = await freePort();
      const { child, output } = startChatProcess(db, { CHAT_PORT: String(port), HOST: '127.0.0.1' });

      const res = await waitForHttp(`http://127.0.0.1:${port}/healthz`, { child });
      expect(await res.json()).toEqual({ status: 'ok' });
      expect(output()).toContain('"msg":"chat listening"');
      expect(output()).not.toContain('Falling back'); // the package's own warning when the native binary fails to load
      expect(output()).not.toContain('without its node flags');

      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      expect(output()).toContain('"msg":"stopped"');
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    },
    3 * processTimeoutMs,
  );

  it(
    'warns when started without its node flags (src/chat/node-flags.ts), and runs all the same',
    async () => {
      const port = await freePort();
      const { child: bare, output } = startChatProcess(db, { CHAT_PORT: String(port), HOST: '127.0.0.1' }, []);
      try {
        await waitForHttp(`http://127.0.0.1:${port}/healthz`, { child: bare });
        const warning = output()
          .split('\n')
          .find((l) => l.includes('without its node flags'));
        expect(warning && (JSON.parse(warning) as { level: number; missing: string[] })).toMatchObject({ level: 40, missing: [...CHAT_NODE_FLAGS] });
      } finally {
        bare.kill('SIGTERM');
        await exitOf(bare);
      }
    },
    3 * processTimeoutMs,
  );

  it(
    'upgrades WebSockets without uWS’s "corked callback" warning on stderr, the first socket of the replica included',
    async () => {
      const t = await createTestContext();
      const port = await freePort();
      const { child: chat, output } = startChatProcess(db, { CHAT_PORT: String(port), HOST: '127.0.0.1' }, CHAT_NODE_FLAGS, t.env);
      const sockets: WebSocket[] = [];
      try {
        await waitForHttp(`http://127.0.0.1:${port}/healthz`, { child: chat });
        const user = await t.ctx.prisma.user.create({ data: { name: 'corked', email: 'corked@example.com', passwordHash: 'x' } });
        const ticket = async () => (await t.ctx.sessions.issueWsTicket({ id: user.id, jti: crypto.randomUUID(), sid: 'process-test' })).ticket;
        // the first socket of the replica, alone; then one more while it is open; then one alone again
        sockets.push(await openSocket(port, await ticket()));
        sockets.push(await openSocket(port, await ticket()));
        for (const ws of sockets.splice(0)) ws.close();
        sockets.push(await openSocket(port, await ticket()));
        expect(output()).not.toContain('corked callback');
        expect(output()).not.toContain('Warning: uWS');
      } finally {
        for (const ws of sockets) ws.close();
        chat.kill('SIGTERM');
        expect(await exitOf(chat)).toBe(0);
        await t.cleanup();
      }
      expect(output()).not.toContain('corked callback');
    },
    3 * processTimeoutMs,
  );

  it(
    'refuses to start on the JavaScript fallback (UWS_USE_FALLBACK=1): fatal log and exit 1',
    async () => {
      const port = await freePort();
      const { child: fallback, output } = startChatProcess(db, { CHAT_PORT: String(port), UWS_USE_FALLBACK: '1' });
      expect(await exitOf(fallback)).toBe(1);
      const fatal = output()
        .split('\n')
        .find((l) => l.includes('"level":60'));
      expect(fatal).toBeDefined();
      const line = JSON.parse(fatal!) as { msg: string; err?: { message: string } };
      expect(line.msg).toBe('chat failed to start');
      const msg = line.err?.message ?? '';
      expect(msg).toContain('JavaScript fallback');
      expect(msg).toContain(`${process.platform}-${process.arch}`);
      expect(msg).toContain(`ABI ${process.versions.modules}`);
      expect(msg).toContain('UWS_USE_FALLBACK=1');
    },
    2 * processTimeoutMs,
  );
});
