import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { projectRoot } from '../../src/platform/paths.js';
import { deleteRedisPrefix } from '../../src/platform/redis.js';
import { freshDatabase, tmpRoot, uniqueName, type TestDatabase } from './db.js';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const testRoot = path.join(projectRoot, 'test');

/**
 * A new Redis prefix for a suite: agora-test:<run>:<suite>:<random>:, where <run> is the jest run's id
 * (test/global-setup.mjs) and <suite> the test file's path under test/ (its last 24 characters, since
 * REDIS_PREFIX has at most 64). test/global-teardown.mjs fails the run when keys of the run are left, naming the
 * suite that wrote them.
 */
export function testRedisPrefix(): string {
  const run = process.env.AGORA_TEST_RUN ?? 'norun';
  const file = expect.getState().testPath;
  const suite = file
    ? path
        .relative(testRoot, file)
        .replace(/\.test\.ts$/, '')
        .replace(/[^A-Za-z0-9-]+/g, '-')
        .slice(-24)
    : 'unknown';
  return `agora-test:${run}:${suite}:${crypto.randomBytes(4).toString('hex')}:`;
}

/**
 * Environment for a test process: its own database, Redis prefix, uploads and data folders. Whoever uses it
 * deletes the prefix's keys at the end (deleteRedisPrefix), as createTestContext's cleanup does.
 */
export function testEnv(db: TestDatabase, extra: Record<string, string> = {}): Record<string, string> {
  const dir = path.join(tmpRoot, uniqueName('run'));
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: testRedisPrefix(),
    UPLOADS_DIR: path.join(dir, 'uploads'),
    DATA_DIR: path.join(dir, 'data'),
    MAIL_OUTBOX_DIR: path.join(dir, 'outbox'),
    JWT_SECRET: crypto.randomBytes(32).toString('base64url'),
    SESSION_SECRET: crypto.randomBytes(32).toString('base64url'),
    // suites sign many accounts up from one address, some at once on a busy machine: the signup limit and
    // the wait for a hashing slot are tested by suites that set their own values
    SIGNUP_RATE_LIMIT_IP: '100000',
    PASSWORD_HASH_WAIT_MS: '60000',
    ...extra,
  };
}

export { deleteRedisPrefix };

export interface TestContext {
  ctx: Context;
  db: TestDatabase;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createTestContext(extra: Record<string, string> = {}): Promise<TestContext> {
  const db = await freshDatabase();
  const env = testEnv(db, extra);
  const config = loadConfig(env);
  const ctx = await createContext(config, { service: 'test' });
  return {
    ctx,
    db,
    env,
    async cleanup() {
      await ctx.close();
      await deleteRedisPrefix(config, config.redisPrefix);
      await db.drop();
      fs.rmSync(path.dirname(config.uploadsDir), { recursive: true, force: true });
    },
  };
}

/**
 * Watches every command the Redis server runs (MONITOR) on a plain socket. ioredis's own monitor mode
 * loses its command queue when other suites' traffic floods the stream, so the lines are parsed here.
 */
export async function monitorRedis(onCommand: (args: string[]) => void): Promise<{ stop(): void }> {
  const u = new URL(redisUrl);
  const socket = net.connect(Number(u.port || 6379), u.hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffered = '';
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 2);
      if (line === '+OK') ready();
      // +1700000000.123456 [0 127.0.0.1:1234] "cmd" "arg" ...
      else if (line.startsWith('+')) onCommand([...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1')));
    }
  });
  socket.write('MONITOR\r\n');
  await started;
  return { stop: () => socket.destroy() };
}
