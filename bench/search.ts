// `npm run bench:search`: search latency on 100,000 posts, through the real api (auth, the board policy, validation,
// the index query, snippets, logging at warn), one request at a time so each latency is the request's own. The
// baseline, in the same run on the same database: the post list endpoint (GET /boards/:id/posts). The posts are
// made-up Korean and English text with a skewed word frequency (a few words in most posts, most words in few), in
// 10 boards, one of them hidden (the reader holds a grant, so the policy has work to do). Queries by class: common,
// mid-frequency and rare words, Korean words found inside longer runs of Hangul, two words, short (1–2 character)
// words, and a word found nowhere.
// BENCH_DATABASE=sqlite (default) or mysql (BENCH_MYSQL_URL, default mysql://root@127.0.0.1:3306: a server whose
// user may create and drop the database agora_bench_<pid>). BENCH_POSTS (100000), BENCH_REQUESTS per class (200).
// Needs Redis (REDIS_URL, default 127.0.0.1:6379).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mariadb from 'mariadb';
import { startApi } from '../src/api-server.js';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { migrate } from '../src/platform/migrate.js';
import { mariadbUrl } from '../src/platform/prisma.js';
import { deleteRedisPrefix } from '../src/platform/redis.js';

const provider = process.env.BENCH_DATABASE === 'mysql' ? 'mysql' : 'sqlite';
const POSTS = Number(process.env.BENCH_POSTS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const BOARDS = 10;

// a seeded generator: every run searches the same data
let seed = 0x2545f491;
/** mulberry32 */
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
/** Zipf-like: rank r drawn with weight ~ 1/r. */
const zipf = <T>(xs: T[]) => xs[Math.min(xs.length - 1, Math.floor(Math.exp(rand() * Math.log(xs.length + 1))) - 1)];

const syllables = [
  ...'가나다라마바사아자차카타파하고노도로모보소오조초코토포호구누두루무부수우주추쿠투푸후기니디리미비시이지치키티피히게네데레메베세에제체케테페헤한국어게시판자유질문답변공지사항글쓰기댓글회원정보',
];
const korean = Array.from({ length: 3000 }, () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(syllables)).join(''));
const particles = ['', '', '에', '은', '는', '이', '가', '을', '를', '에서', '으로'];
const letters = 'bcdfghjklmnprstvwz';
const vowels = 'aeiou';
const english = Array.from({ length: 3000 }, () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick([...letters]) + pick([...vowels])).join('') + pick(['', 's', 'n', 'r', 't']));
const word = () => (rand() < 0.5 ? zipf(korean) + pick(particles) : zipf(english));
const text = (min: number, max: number) => Array.from({ length: min + Math.floor(rand() * (max - min)) }, word).join(' ');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-bench-search-'));
const mysqlBase = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
// BENCH_MYSQL_DATABASE names a database to use, and keep: one that an earlier run seeded is searched as it is
// (seeding 100,000 posts on MariaDB takes minutes); without it a fresh agora_bench_<pid> is made and dropped
const reuse = process.env.BENCH_MYSQL_DATABASE;
const mysqlDb = reuse ?? `agora_bench_${process.pid}`;
const mysqlUrl = new URL(mysqlBase);
mysqlUrl.pathname = `/${mysqlDb}`;
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  DATABASE_URL: provider === 'mysql' ? mysqlUrl.toString() : `file:${path.join(dir, 'bench.db')}`,
  DATA_DIR: dir,
  UPLOADS_DIR: path.join(dir, 'uploads'),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: `agora-bench:${crypto.randomBytes(4).toString('hex')}:`,
  LOGIN_RATE_LIMIT_IP: '1000',
  // one token for the whole run, however slow the machine
  ACCESS_TOKEN_TTL_SECONDS: '86400',
});
await migrate(config);
const ctx = await createContext(config, { service: 'bench' });

try {
  const t0 = Date.now();
  const boards: { id: number }[] = [];
  let repaired = { posts: 0, comments: 0 };
  const already = provider === 'mysql' && reuse ? await ctx.prisma.post.count() : 0;
  if (already >= POSTS) {
    boards.push(...(await ctx.prisma.board.findMany({ where: { name: { startsWith: 'bench' } }, orderBy: { id: 'asc' }, select: { id: true } })));
  } else {
    const users = await Promise.all(Array.from({ length: 50 }, (_, i) => ctx.prisma.user.create({ data: { name: `author${i}`, email: `author${i}@example.com`, passwordHash: 'x' } })));
    const reader = await ctx.services.users.create({ name: 'reader', email: 'reader@example.com', password: 'Bench!pass1' });
    for (let b = 0; b < BOARDS; b++) boards.push(await ctx.prisma.board.create({ data: { name: `bench${b}`, isVisible: b !== 0 } }));
    await ctx.prisma.userBoardPermission.create({ data: { userId: reader.id, boardId: boards[0].id } });
    for (let i = 0; i < POSTS; i += 1000) {
      await ctx.prisma.post.createMany({
        data: Array.from({ length: Math.min(1000, POSTS - i) }, (_, j) => ({
          boardId: boards[(i + j) % BOARDS].id,
          authorId: users[(i + j) % users.length].id,
          name: text(3, 7),
          content: text(20, 60),
          isVisible: (i + j) % 50 !== 0,
        })),
      });
    }
    // createMany goes around the services: on MariaDB the repair job writes the tokens (SQLite's triggers did already)
    repaired = await ctx.services.searchIndex.repairMissing(ctx.prisma);
  }
  const seeded = (Date.now() - t0) / 1000;

  const api = await startApi(ctx, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${api.port}/api/v1`;
  const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'reader', password: 'Bench!pass1' }) });
  const auth = { authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` };

  const sample = (xs: string[], from: number, to: number) => () => xs[from + Math.floor(rand() * (to - from))];
  const koInner = () => {
    const w = korean[Math.floor(rand() * 50)];
    return w.length > 2 ? w.slice(1) : w;
  };
  const classes: [string, () => string][] = [
    ['list (baseline)', () => ''],
    ['common word (ko)', sample(korean, 0, 10)],
    ['common word (en)', sample(english, 0, 10)],
    ['mid word (ko)', sample(korean, 100, 300)],
    ['mid word (en)', sample(english, 100, 300)],
    ['rare word (ko)', sample(korean, 2000, 3000)],
    ['rare word (en)', sample(english, 2000, 3000)],
    ['inside Hangul run', koInner],
    ['two words', () => `${korean[Math.floor(rand() * 300)]} ${english[Math.floor(rand() * 300)]}`],
    ['short (1–2 chars)', () => pick(syllables) + (rand() < 0.5 ? pick(syllables) : '')],
    ['no match', () => `zzqx${Math.floor(rand() * 1e6)}`],
  ];

  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
  const rows: { name: string; p50: number; p99: number; max: number; hits: number }[] = [];
  for (const [name, query] of classes) {
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < REQUESTS + 10; i++) {
      const url = name.startsWith('list') ? `${base}/boards/${boards[1 + (i % (BOARDS - 1))].id}/posts?limit=20` : `${base}/search?${new URLSearchParams({ q: query(), limit: '20' }).toString()}`;
      const start = process.hrtime.bigint();
      const res = await fetch(url, { headers: auth });
      const body = (await res.json()) as { items: unknown[] };
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
      if (i < 10) continue; // warm-up
      times.push(ms);
      hits += body.items.length;
    }
    times.sort((a, b) => a - b);
    rows.push({ name, p50: pct(times, 50), p99: pct(times, 99), max: times[times.length - 1], hits: hits / REQUESTS });
    console.error(`${name}: p99 ${rows[rows.length - 1].p99.toFixed(1)} ms`);
  }

  const load = os.loadavg()[0].toFixed(1);
  console.log(
    `\nagora bench:search — ${POSTS} posts in ${BOARDS} boards, ${provider}, ${REQUESTS} sequential requests per class (limit 20), node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${load}`,
  );
  console.log(
    already >= POSTS
      ? `searched the ${already} posts of ${mysqlDb}, seeded by an earlier run`
      : `seeded and indexed in ${seeded.toFixed(0)} s${provider === 'mysql' ? ` (repair job: ${repaired.posts} posts)` : ''}`,
  );
  console.log('class                  p50 ms    p99 ms    max ms   p99/list p99   hits/page');
  const listP99 = rows[0].p99;
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(20)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(9)} ${r.max.toFixed(1).padStart(9)} ${(r.p99 / listP99).toFixed(1).padStart(14)} ${r.hits.toFixed(1).padStart(11)}`,
    );
  }
  await api.stop();
} finally {
  await ctx.close();
  await deleteRedisPrefix(config, config.redisPrefix);
  fs.rmSync(dir, { recursive: true, force: true });
  if (provider === 'mysql' && !reuse) {
    const u = new URL(mariadbUrl(mysqlBase));
    const conn = await mariadb.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
    await conn.query(`DROP DATABASE IF EXISTS \`${mysqlDb}\``);
    await conn.end();
  }
}
process.exit(0);
