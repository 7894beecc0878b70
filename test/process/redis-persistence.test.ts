// Redis persistence at start: a process reads CONFIG GET appendonly/save once connected, and in production logs one
// warning when neither AOF nor RDB snapshots are on (a restart would revive logged-out tokens and lose queued jobs);
// /readyz shows it as a note without failing. A Redis that refuses CONFIG (managed services) is logged at debug only.
// Each case runs its own redis-server on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { createLogger } from '../../src/platform/logger.js';
import { testEnv } from '../helpers/context.js';
import { freshDatabase, tmpRoot, uniqueName, type TestDatabase } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';
import { freePort } from '../helpers/process.js';

const servers: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  for (const s of servers) s.kill('SIGKILL');
});

/** A redis-server of its own, with the given settings; resolves with its URL once it accepts connections. */
async function startRedis(args: string[]): Promise<string> {
  const port = await freePort();
  const dir = path.join(tmpRoot, uniqueName('redis'));
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  cleanups.push(() => Promise.resolve(fs.rmSync(dir, { recursive: true, force: true })));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('redis-server to start', () => out.includes('Ready to accept connections') || child.exitCode !== null, 30_000, 50);
  if (child.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
  return `redis://127.0.0.1:${port}`;
}

interface LogLine {
  level: number;
  msg: string;
}

/** A context on that Redis with its log captured (debug and up). */
async function contextOn(url: string, nodeEnv: 'production' | 'test'): Promise<{ ctx: Context; lines: LogLine[] }> {
  const db: TestDatabase = await freshDatabase();
  const config = loadConfig(testEnv(db, { REDIS_URL: url, NODE_ENV: nodeEnv, LOG_LEVEL: 'debug' }));
  const lines: LogLine[] = [];
  const logger = createLogger(config, 'test', { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  const ctx = await createContext(config, { service: 'test', logger });
  cleanups.push(async () => {
    await ctx.close();
    await db.drop();
    fs.rmSync(path.dirname(config.uploadsDir), { recursive: true, force: true });
  });
  return { ctx, lines };
}

const WARNING = 'Redis does not persist its data';
const warnings = (lines: LogLine[]) => lines.filter((l) => l.level === 40 && l.msg.startsWith(WARNING));
const read = (lines: LogLine[]) => lines.some((l) => l.msg === 'Redis persistence read' || l.msg.startsWith(WARNING) || l.msg.startsWith('Redis persistence unknown'));

describe('Redis persistence check', () => {
  it('in production, a Redis with neither AOF nor snapshots gets one warning and a /readyz note', async () => {
    const url = await startRedis(['--appendonly', 'no', '--save', '']);
    const { ctx, lines } = await contextOn(url, 'production');
    await waitFor('the persistence check', () => read(lines), 30_000);
    expect(warnings(lines)).toHaveLength(1);
    expect(warnings(lines)[0]).toMatchObject({ appendonly: 'no', save: '' });
    const res = await request(buildApp(ctx)).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' }, notes: { redis: expect.stringContaining('turn AOF on') } });
  }, 60_000);

  it('outside production the same Redis is read but not warned about', async () => {
    const url = await startRedis(['--appendonly', 'no', '--save', '']);
    const { ctx, lines } = await contextOn(url, 'test');
    await waitFor('the persistence check', () => read(lines), 30_000);
    expect(warnings(lines)).toEqual([]);
    expect(lines.find((l) => l.msg === 'Redis persistence read')).toMatchObject({ level: 20, appendonly: false, save: false });
    expect((await request(buildApp(ctx)).get('/readyz')).body).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });
  }, 60_000);

  it('in production, a Redis with AOF on gets no warning and no note', async () => {
    const url = await startRedis(['--appendonly', 'yes', '--save', '']);
    const { ctx, lines } = await contextOn(url, 'production');
    await waitFor('the persistence check', () => read(lines), 30_000);
    expect(warnings(lines)).toEqual([]);
    expect(lines.find((l) => l.msg === 'Redis persistence read')).toMatchObject({ appendonly: true, save: false });
    expect((await request(buildApp(ctx)).get('/readyz')).body).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });
  }, 60_000);

  it('a Redis that refuses CONFIG (as managed services do) is logged at debug, and everything works', async () => {
    const url = await startRedis(['--appendonly', 'no', '--save', '', '--rename-command', 'CONFIG', '']);
    const { ctx, lines } = await contextOn(url, 'production');
    await waitFor('the persistence check', () => read(lines), 30_000);
    expect(warnings(lines)).toEqual([]);
    expect(lines.find((l) => l.msg.startsWith('Redis persistence unknown'))).toMatchObject({ level: 20 });
    expect(await ctx.redis.ping()).toBe('PONG');
    const res = await request(buildApp(ctx)).get('/readyz');
    expect(res.body).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });
  }, 60_000);
});
