// `npm run bench:api`: Agora's member API against the stack beneath it, in one run (bench/README.md).
// Four servers, each in its own process pinned to CPU 0 with autocannon pinned to CPU 1:
//   A  node:http + raw better-sqlite3    B  Express + raw better-sqlite3    C  Express + Prisma    D  Agora's api
// A, B and C build the same JSON from the same rows as D (bench/api/baseline.ts); D runs with every rule in force
// (bearer token with its revocation check, board policy, view counting, validation, logging at info) in production
// mode. Workloads: the post list, a post's detail and comment creation, at 10 and 100 connections; then an
// overload row (comment creation at 500 connections). Warm-up, then rounds in alternating server order; medians.
// With BENCH_API_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306), C and D run again on MariaDB.
// Needs Linux with taskset, and Redis (REDIS_URL, default 127.0.0.1:6379).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type autocannon from 'autocannon';
import { loadConfig, type Config } from '../src/config.js';
import { createContext } from '../src/context.js';
import { migrate } from '../src/platform/migrate.js';
import { deleteRedisPrefix } from '../src/platform/redis.js';
import { freePort } from './net.js';

const require = createRequire(import.meta.url);
const env = process.env;
const seconds = Number(env.BENCH_SECONDS ?? 5);
const warmup = Number(env.BENCH_WARMUP ?? 3);
const rounds = Number(env.BENCH_ROUNDS ?? 3);
const connectionSets = (env.BENCH_CONNECTIONS ?? '10,100').split(',').map(Number);
const overloadConnections = Number(env.BENCH_OVERLOAD_CONNECTIONS ?? 500);
const servers = (env.BENCH_SERVERS ?? 'A,B,C,D').split(',') as ServerName[];
const workloads = (env.BENCH_WORKLOADS ?? 'list,detail,comment,overload').split(',') as (Workload | 'overload')[];
const POSTS = Number(env.BENCH_POSTS ?? 10_000);
const mysqlBase = env.BENCH_API_MYSQL_URL;
// with BENCH_API_MYSQL_URL: MariaDB alone
const skipSqlite = Boolean(mysqlBase) && env.BENCH_API_SQLITE === '0';
// extra node options for Agora's api (D), e.g. --cpu-prof --cpu-prof-dir=/tmp/prof
const agoraNodeArgs = (env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

type ServerName = 'A' | 'B' | 'C' | 'D';
type Workload = 'list' | 'detail' | 'comment';
const stacks: Record<ServerName, string> = { A: 'node:http + better-sqlite3', B: 'Express + better-sqlite3', C: 'Express + Prisma', D: 'Agora' };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-bench-api-'));
const redisPrefix = `agora-bench:${crypto.randomBytes(4).toString('hex')}:`;
const secrets = { JWT_SECRET: crypto.randomBytes(32).toString('hex'), SESSION_SECRET: crypto.randomBytes(32).toString('hex') };
const READER = { name: 'reader', email: 'reader@example.com', password: 'Bench!pass1' };

interface Seeded {
  url: string;
  boardId: number;
  postId: number;
  authorId: number;
}

function baseConfig(databaseUrl: string): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATA_DIR: dir,
    UPLOADS_DIR: path.join(dir, 'uploads'),
    REDIS_URL: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: redisPrefix,
  });
}

/** One database: 50 authors, one board of POSTS posts, the reader's account. */
async function seed(databaseUrl: string): Promise<Seeded> {
  const config = baseConfig(databaseUrl);
  await migrate(config);
  const ctx = await createContext(config, { service: 'bench' });
  try {
    const users = await Promise.all(Array.from({ length: 50 }, (_, i) => ctx.prisma.user.create({ data: { name: `author${i}`, email: `author${i}@example.com`, passwordHash: 'x' } })));
    const board = await ctx.prisma.board.create({ data: { name: 'bench' } });
    for (let i = 0; i < POSTS; i += 1000) {
      await ctx.prisma.post.createMany({
        data: Array.from({ length: Math.min(1000, POSTS - i) }, (_, j) => ({
          boardId: board.id,
          authorId: users[(i + j) % users.length].id,
          name: `post ${i + j}`,
          content: 'lorem ipsum '.repeat(40),
          numberOfLike: (i + j) % 97,
        })),
      });
    }
    const target = await ctx.prisma.post.findFirstOrThrow({ where: { boardId: board.id }, orderBy: { id: 'desc' }, skip: Math.floor(POSTS / 2) });
    const reader = await ctx.services.users.create(READER);
    return { url: databaseUrl, boardId: board.id, postId: target.id, authorId: reader.id };
  } finally {
    await ctx.close();
  }
}

/** A fresh copy of the seeded database for one server start (SQLite: a file copy; MariaDB: shared). */
let copies = 0;
function databaseFor(seeded: Seeded): string {
  if (!seeded.url.startsWith('file:')) return seeded.url;
  const file = path.join(dir, `copy-${copies++}.db`);
  fs.copyFileSync(seeded.url.slice('file:'.length), file);
  return `file:${file}`;
}

interface Running {
  base: string;
  headers: Record<string, string>;
  proc: ChildProcess;
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function start(name: ServerName, seeded: Seeded): Promise<Running> {
  const databaseUrl = databaseFor(seeded);
  if (name !== 'D') {
    const proc = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', 'bench/api/baseline.ts'], {
      cwd: root,
      env: { ...env, BENCH_BASELINE: name, BENCH_DATABASE_URL: databaseUrl, BENCH_AUTHOR: String(seeded.authorId) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = out.match(/listening (\d+)/);
        if (m) resolve(Number(m[1]));
      });
      proc.once('exit', (code) => reject(new Error(`baseline ${name} exited with ${code}`)));
    });
    return { base: `http://127.0.0.1:${port}`, headers: {}, proc };
  }
  const port = await freePort();
  // production mode, logs at info to a pipe nobody reads fast (as under a container runtime), not to a terminal
  const proc = spawn('taskset', ['-c', '0', process.execPath, ...agoraNodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...env,
      ...secrets,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DATA_DIR: dir,
      UPLOADS_DIR: path.join(dir, 'uploads'),
      REDIS_URL: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: redisPrefix,
      MIGRATE_ON_START: 'false',
      LOGIN_RATE_LIMIT_IP: '100000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}/api/v1`;
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 'the api');
  // the admin panel loads in the background at start: let it finish before measuring
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/admin/login`)).ok, 'the admin panel');
  // a process still loading may shed the login (503 overloaded): ask again
  let token = '';
  await waitFor(async () => {
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: READER.name, password: READER.password }) });
    if (login.ok) token = ((await login.json()) as { access_token: string }).access_token;
    return login.ok;
  }, 'the login');
  return { base, headers: { authorization: `Bearer ${token}` }, proc };
}

async function stop(r: Running): Promise<void> {
  const exited = new Promise((resolve) => r.proc.once('exit', resolve));
  r.proc.kill('SIGTERM');
  await exited;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  shed: number;
  errors: number;
}

/** autocannon in its own process on CPU 1. */
function load(r: Running, workload: Workload, seeded: Seeded, connections: number, duration: number): Promise<Result> {
  const url = { list: `${r.base}/boards/${seeded.boardId}/posts?limit=20`, detail: `${r.base}/boards/${seeded.boardId}/posts/${seeded.postId}`, comment: `${r.base}/posts/${seeded.postId}/comments` }[
    workload
  ];
  const headers = { ...r.headers, ...(workload === 'comment' ? { 'content-type': 'application/json' } : {}) };
  const args = [
    '-c',
    '1',
    process.execPath,
    require.resolve('autocannon/autocannon.js'),
    '--json',
    '-c',
    String(connections),
    '-d',
    String(duration),
    ...(workload === 'comment' ? ['-m', 'POST', '-b', JSON.stringify({ content: 'a comment of a usual length, '.repeat(3) })] : []),
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]),
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(new Error(`autocannon failed: ${err.message}`));
      const res = JSON.parse(stdout) as autocannon.Result & { statusCodeStats?: Record<string, { count: number }> };
      const codes = res.statusCodeStats ?? {};
      if (env.BENCH_DEBUG) process.stderr.write(`${JSON.stringify({ codes, errors: res.errors, timeouts: res.timeouts, non2xx: res.non2xx })}\n`);
      const count = (pred: (code: number) => boolean) =>
        Object.entries(codes)
          .filter(([c]) => pred(Number(c)))
          .reduce((n, [, v]) => n + (v.count ?? 0), 0);
      resolve({
        rps: count((c) => c >= 200 && c < 300) / duration,
        p50: res.latency.p50,
        p99: res.latency.p99,
        ok: count((c) => c >= 200 && c < 300),
        shed: count((c) => c === 503),
        errors: count((c) => c >= 400 && c !== 503) + res.errors + res.timeouts,
      });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

type Key = `${ServerName}:${Workload}:${number}`;

async function measure(provider: string, seeded: Seeded, names: ServerName[]) {
  const results = new Map<Key, Result[]>();
  const overload = new Map<ServerName, Result[]>();
  const measured = workloads.filter((w): w is Workload => w !== 'overload');
  const overloadRow = workloads.includes('overload');
  for (let round = 0; round < rounds; round++) {
    // alternate the order: A,B,C,D / B,C,D,A / …
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const r = await start(name, seeded);
      try {
        // warm-up (of comment creation when only the overload row runs, e.g. to tune OVERLOAD_*)
        for (const w of measured.length ? measured : (['comment'] as const)) await load(r, w, seeded, connectionSets[0], warmup);
        for (const w of measured) {
          for (const c of connectionSets) {
            const key: Key = `${name}:${w}:${c}`;
            results.set(key, [...(results.get(key) ?? []), await load(r, w, seeded, c, seconds)]);
          }
        }
        if (overloadRow) overload.set(name, [...(overload.get(name) ?? []), await load(r, 'comment', seeded, overloadConnections, seconds)]);
      } finally {
        await stop(r);
      }
      process.stderr.write(`  ${provider} round ${round + 1}/${rounds}: ${name} done\n`);
    }
  }
  const med = (key: Key) => {
    const rs = results.get(key) ?? [];
    return { rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), errors: rs.reduce((n, r) => n + r.errors, 0) };
  };
  console.log(`\n${provider}: req/s (median of ${rounds}), p50 / p99 ms`);
  console.log(['workload'.padEnd(16), ...names.map((n) => `${n} ${stacks[n]}`.padEnd(30)), 'D/A', 'D/B', 'D/C'].join(' '));
  for (const w of measured) {
    for (const c of connectionSets) {
      const cells = names.map((n) => {
        const m = med(`${n}:${w}:${c}`);
        return `${m.rps.toFixed(0).padStart(6)}  ${m.p50}/${m.p99}${m.errors ? ` (${m.errors} errors)` : ''}`.padEnd(30);
      });
      const d = names.includes('D') ? med(`D:${w}:${c}`).rps : NaN;
      const ratio = (n: ServerName) => (names.includes(n) && names.includes('D') ? (d / med(`${n}:${w}:${c}`).rps).toFixed(2) : '-');
      console.log([`${w} c=${c}`.padEnd(16), ...cells, ratio('A').padStart(4), ratio('B').padStart(4), ratio('C').padStart(4)].join(' '));
    }
  }
  if (!overloadRow) return;
  console.log(`overload: comment creation at ${overloadConnections} connections, ${seconds} s (median): answered/s, shed (503)/s, p99 ms`);
  for (const n of names) {
    const rs = overload.get(n) ?? [];
    console.log(
      `  ${`${n} ${stacks[n]}`.padEnd(30)} ${median(rs.map((r) => r.rps))
        .toFixed(0)
        .padStart(6)}  ${median(rs.map((r) => r.shed / seconds))
        .toFixed(0)
        .padStart(6)}  ${median(rs.map((r) => r.p99))}`,
    );
  }
}

console.log(
  `agora bench:api — load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at the start`,
);
console.log(`agora bench:api — ${POSTS} posts, ${seconds} s per run after ${warmup} s warm-up, ${rounds} rounds, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`);
try {
  if (!skipSqlite) {
    const sqlite = await seed(`file:${path.join(dir, 'seed.db')}`);
    await measure('SQLite', sqlite, servers);
  }
  if (mysqlBase) {
    const database = `agora_bench_${process.pid}`;
    const url = `${mysqlBase.replace(/\/+$/, '')}/${database}`;
    const { createConnection } = await import('mariadb');
    const server = new URL(mysqlBase);
    const connect = () => createConnection({ host: server.hostname, port: Number(server.port || 3306), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) });
    const admin = await connect();
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    const mysql = await seed(url);
    try {
      await measure(
        'MariaDB',
        mysql,
        servers.filter((s) => s === 'C' || s === 'D'),
      );
    } finally {
      const conn = await connect();
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
    }
  }
} finally {
  await deleteRedisPrefix(baseConfig(`file:${path.join(dir, 'seed.db')}`), redisPrefix);
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
