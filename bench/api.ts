// `npm run bench:api`: the post list and post detail endpoints of the real api (auth, board policy, view
// counting, validation, logging at warn) against a bare Express handler running the same Prisma query, in the
// same run, on the same SQLite database of 10,000 posts. Prints req/s and p99 latency and the ratios. The servers
// share this process (one event loop, as a deployment would run one api per process); autocannon runs in another.
// Needs Redis (REDIS_URL, default 127.0.0.1:6379). Settings: BENCH_SECONDS (default 5), BENCH_CONNECTIONS (10).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import type autocannon from 'autocannon';
import express from 'express';
import { startApi } from '../src/api-server.js';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { migrate } from '../src/platform/migrate.js';
import { deleteRedisPrefix } from '../src/platform/redis.js';

const require = createRequire(import.meta.url);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const POSTS = 10_000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-bench-'));
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  DATABASE_URL: `file:${path.join(dir, 'bench.db')}`,
  DATA_DIR: dir,
  UPLOADS_DIR: path.join(dir, 'uploads'),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: `agora-bench:${crypto.randomBytes(4).toString('hex')}:`,
  LOGIN_RATE_LIMIT_IP: '1000',
});
await migrate(config);
const ctx = await createContext(config, { service: 'bench' });

// data: one board, 50 authors, 10k posts
const users = await Promise.all(Array.from({ length: 50 }, (_, i) => ctx.prisma.user.create({ data: { name: `author${i}`, email: `author${i}@example.com`, passwordHash: 'x' } })));
const board = await ctx.prisma.board.create({ data: { name: 'bench' } });
for (let i = 0; i < POSTS; i += 1000) {
  await ctx.prisma.post.createMany({
    data: Array.from({ length: 1000 }, (_, j) => ({
      boardId: board.id,
      authorId: users[(i + j) % users.length].id,
      name: `post ${i + j}`,
      content: 'lorem ipsum '.repeat(40),
      numberOfLike: (i + j) % 97,
    })),
  });
}
const target = await ctx.prisma.post.findFirstOrThrow({ where: { boardId: board.id }, orderBy: { id: 'desc' }, skip: 5000 });

// the real api, with a member's token
await ctx.services.users.create({ name: 'reader', email: 'reader@example.com', password: 'Bench!pass1' });
const api = await startApi(ctx, 0, '127.0.0.1');
const login = await fetch(`http://127.0.0.1:${api.port}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'reader', password: 'Bench!pass1' }),
});
const token = ((await login.json()) as { access_token: string }).access_token;

// the baseline: the same queries behind a bare Express handler
const select = {
  id: true,
  boardId: true,
  name: true,
  createDate: true,
  updateDate: true,
  numberOfView: true,
  numberOfComment: true,
  numberOfLike: true,
  isFileAttached: true,
  isVisible: true,
  author: { select: { id: true, name: true } },
} as const;
const bare = express();
bare.get('/list', async (_req, res) => {
  res.json({ items: await ctx.prisma.post.findMany({ where: { boardId: board.id, isVisible: true }, select, orderBy: [{ createDate: 'desc' }, { id: 'desc' }], take: 21 }) });
});
bare.get('/detail', async (_req, res) => {
  res.json(await ctx.prisma.post.findUnique({ where: { id: target.id }, select: { ...select, content: true, files: { select: { id: true, originalName: true, size: true, mimeType: true } } } }));
});
const bareServer = bare.listen(0, '127.0.0.1');
await new Promise((r) => bareServer.once('listening', r));
const barePort = (bareServer.address() as { port: number }).port;

/** autocannon in its own process, so load generation does not share the servers' event loop. */
function run(url: string, headers: Record<string, string> = {}): Promise<{ rps: number; p99: number }> {
  const args = [require.resolve('autocannon/autocannon.js'), '--json', '-c', String(connections), '-d', String(seconds), ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]), url];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(new Error(`autocannon failed: ${err.message}`));
      const r = JSON.parse(stdout) as autocannon.Result;
      if (r.non2xx) return reject(new Error(`${url}: ${r.non2xx} non-2xx answers`));
      resolve({ rps: r.requests.average, p99: r.latency.p99 });
    });
  });
}

const auth = { authorization: `Bearer ${token}` };
const results = {
  list: { agora: await run(`http://127.0.0.1:${api.port}/api/v1/boards/${board.id}/posts?limit=20`, auth), bare: await run(`http://127.0.0.1:${barePort}/list`) },
  detail: { agora: await run(`http://127.0.0.1:${api.port}/api/v1/boards/${board.id}/posts/${target.id}`, auth), bare: await run(`http://127.0.0.1:${barePort}/detail`) },
};

console.log(`\nagora bench:api — ${POSTS} posts, SQLite, ${connections} connections, ${seconds} s per run, node ${process.version}, ${os.cpus().length} cores`);
console.log('endpoint                    agora req/s   bare req/s   ratio   agora p99   bare p99');
for (const [name, r] of Object.entries(results)) {
  console.log(
    `${(name === 'list' ? 'GET /boards/:id/posts' : 'GET /boards/:id/posts/:id').padEnd(27)} ${r.agora.rps.toFixed(0).padStart(11)} ${r.bare.rps.toFixed(0).padStart(12)} ${(r.agora.rps / r.bare.rps).toFixed(2).padStart(7)} ${`${r.agora.p99} ms`.padStart(11)} ${`${r.bare.p99} ms`.padStart(10)}`,
  );
}

bareServer.close();
await api.stop();
await ctx.close();
// remove this run's Redis keys (and only them)
await deleteRedisPrefix(config, config.redisPrefix);
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
