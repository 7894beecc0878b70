// `npx tsx bench/api/profile.ts [list|detail] [seconds]`: Agora's api as `bench:api` runs it (production, logs at
// info into a pipe), under `node --cpu-prof`, loaded by autocannon (10 connections) on one workload; prints the
// api process's CPU time per request (user + system, from /proc, which a busy machine disturbs far less than a
// rate) and leaves the .cpuprofile for profile-layers.mjs (bench/README.md, "Where the time goes").
// BENCH_PROFILE=0 runs without the profiler (the CPU time per request without its overhead).
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { migrate } from '../../src/platform/migrate.js';
import { deleteRedisPrefix } from '../../src/platform/redis.js';

const require = createRequire(import.meta.url);
const workload = (process.argv[2] ?? 'list') as 'list' | 'detail';
const seconds = Number(process.argv[3] ?? 10);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-profile-api-'));
const redisPrefix = `agora-profile:${crypto.randomBytes(4).toString('hex')}:`;
const databaseUrl = `file:${path.join(dir, 'db.db')}`;
const config = loadConfig({
  NODE_ENV: 'test',
  DATABASE_URL: databaseUrl,
  DATA_DIR: dir,
  UPLOADS_DIR: path.join(dir, 'uploads'),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: redisPrefix,
});
const READER = { name: 'reader', email: 'reader@example.com', password: 'Bench!pass1' };

await migrate(config);
const ctx = await createContext(config, { service: 'bench' });
const users = await Promise.all(Array.from({ length: 50 }, (_, i) => ctx.prisma.user.create({ data: { name: `author${i}`, email: `author${i}@example.com`, passwordHash: 'x' } })));
const board = await ctx.prisma.board.create({ data: { name: 'bench' } });
for (let i = 0; i < 10_000; i += 1000) {
  await ctx.prisma.post.createMany({
    data: Array.from({ length: 1000 }, (_, j) => ({ boardId: board.id, authorId: users[(i + j) % 50].id, name: `post ${i + j}`, content: 'lorem ipsum '.repeat(40), numberOfLike: (i + j) % 97 })),
  });
}
const target = await ctx.prisma.post.findFirstOrThrow({ where: { boardId: board.id }, orderBy: { id: 'desc' }, skip: 5000 });
await ctx.services.users.create(READER);
await ctx.close();

const port = 20_000 + Math.floor(Math.random() * 20_000);
const profiling = process.env.BENCH_PROFILE !== '0';
const proc = spawn(process.execPath, [...(profiling ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), '--import', 'tsx', 'src/main.ts'], {
  cwd: root,
  env: {
    ...process.env,
    JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    DATA_DIR: dir,
    UPLOADS_DIR: path.join(dir, 'uploads'),
    REDIS_PREFIX: redisPrefix,
    MIGRATE_ON_START: 'false',
    LOGIN_RATE_LIMIT_IP: '100000',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}/api/v1`;
for (let i = 0; ; i++) {
  if (
    await fetch(`http://127.0.0.1:${port}/admin/login`).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  if (i > 600) throw new Error('the api did not start');
  await new Promise((r) => setTimeout(r, 200));
}
const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: READER.name, password: READER.password }) });
const token = ((await login.json()) as { access_token: string }).access_token;
const url = workload === 'list' ? `${base}/boards/${board.id}/posts?limit=20` : `${base}/boards/${board.id}/posts/${target.id}`;
const cannon = (d: number) =>
  JSON.parse(
    execFileSync(process.execPath, [require.resolve('autocannon/autocannon.js'), '--json', '-c', '10', '-d', String(d), '-H', `authorization=Bearer ${token}`, url], { maxBuffer: 1 << 26 }).toString(),
  ) as {
    requests: { total: number };
    non2xx: number;
  };
/** User + system CPU of the api process so far, in µs (clock ticks of /proc/<pid>/stat). */
const cpu = () => {
  const fields = fs.readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / Number(execFileSync('getconf', ['CLK_TCK']).toString());
};
cannon(3);
const before = cpu();
const res = cannon(seconds);
const used = cpu() - before;
const exited = new Promise((r) => proc.once('exit', r));
proc.kill('SIGTERM');
await exited;
const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (profiling && !file) throw new Error('no profile written');
const out = path.join(os.tmpdir(), `agora-api-${workload}.cpuprofile`);
if (file) fs.copyFileSync(path.join(dir, file), out);
await deleteRedisPrefix(config, redisPrefix);
fs.rmSync(dir, { recursive: true, force: true });
const loadavg = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
console.log(
  `${workload}: ${res.requests.total} requests in ${seconds} s (${res.non2xx} non-2xx), ${(used / res.requests.total).toFixed(0)} µs of api CPU per request, load ${loadavg}${file ? `; profile ${out}` : ''}`,
);
