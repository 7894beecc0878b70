// The real entry points in child processes: `npm start`'s entry on an empty SQLite location (migrates,
// serves health, stops cleanly on SIGTERM), and a bad setting stopping the process with one line.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { projectRoot } from '../../src/platform/paths.js';
import { deleteRedisPrefix, redisUrl, testEnv } from '../helpers/context.js';
import { emptyDatabase, testProvider, tmpRoot, uniqueName } from '../helpers/db.js';
import { exitOf, freePort, processTimeoutMs, waitForHttp } from '../helpers/process.js';
import { runTs } from '../helpers/spawn.js';
import { waitFor } from '../helpers/wait.js';

describe('process entry points', () => {
  it.each([
    ['src/all.ts', { PORT: 'abc' }, /^agora: configuration error: PORT must be an integer \(got "abc"\)\n$/],
    ['src/main.ts', { DATABASE_URL: 'postgres://nope' }, /^agora: configuration error: DATABASE_URL must be file:<path> \(SQLite\) or mysql:\/\/.*\n$/],
    ['src/cli/migrate.ts', { REDIS_URL: 'nonsense' }, /^agora: configuration error: REDIS_URL must be redis:\/\/host:port or rediss:\/\/host:port \(got "nonsense"\)\n$/],
    ['src/main.ts', { NODE_ENV: 'production', JWT_SECRET: '', SESSION_SECRET: '' }, /^agora: configuration error: JWT_SECRET is required when NODE_ENV=production\n$/],
  ])(
    '%s with %j stops with exit 1 and one line naming the variable',
    async (entry, bad, line) => {
      const db = emptyDatabase();
      const r = await runTs(entry, [], { env: { ...testEnv(db), ...bad }, timeoutMs: processTimeoutMs });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(line);
      expect(r.stdout).toBe('');
    },
    processTimeoutMs + 10_000,
  );

  (testProvider === 'sqlite' ? it : it.skip)(
    'npm start: creates the data folder, migrates, serves api and chat health, and stops on SIGTERM',
    async () => {
      const port = await freePort();
      const chatPort = await freePort();
      const dir = path.join(tmpRoot, uniqueName('start'));
      const dbFile = path.join(dir, 'data', 'agora.db');
      const env: Record<string, string> = {
        ...testEnv(emptyDatabase()),
        DATABASE_URL: `file:${dbFile}`,
        DATA_DIR: path.join(dir, 'data'),
        PORT: String(port),
        CHAT_PORT: String(chatPort),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      };
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/all.ts'], { cwd: projectRoot, env: { PATH: process.env.PATH ?? '', ...env } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = exitOf(child, 4 * processTimeoutMs);
      try {
        const health = await waitForHttp(`http://127.0.0.1:${port}/healthz`, { child, status: null });
        expect(health.status).toBe(200);
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: 'ok', redis: 'ok', storage: 'ok' } });
        expect(fs.existsSync(dbFile)).toBe(true);
        expect(out).toContain('migrations applied');
        // the chat server and the AI worker run in the same process; they start after the api
        expect((await waitForHttp(`http://127.0.0.1:${chatPort}/healthz`, { child, status: null })).status).toBe(200);
        // the worker's consumers start last (they wait for their Redis connections)
        await waitFor('the AI worker to run', () => out.includes('ai-worker running'), processTimeoutMs, 100);
        // a request in flight when SIGTERM arrives still gets its answer
        const inflight = fetch(`http://127.0.0.1:${port}/readyz`);
        child.kill('SIGTERM');
        expect((await inflight).status).toBe(200);
        expect(await exited).toBe(0);
        expect(out).toContain('"msg":"stopped"');
      } finally {
        child.kill('SIGKILL');
        await exited.catch(() => undefined);
        await deleteRedisPrefix({ redisUrl }, env.REDIS_PREFIX);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    6 * processTimeoutMs,
  );
});
